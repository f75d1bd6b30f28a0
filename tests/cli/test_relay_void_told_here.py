"""A member removed on the hub while they post from a leaf cut off from it: their posts are
void on every host (README rule 4), and they are told so whichever reaches the hub first, the
posts or the news of the removal (docs/relay.md, "Twenty-ninth acceptance pass").

Before, a removed member's posts that reached the hub before the leaf heard of the removal were
refused there and told to the leaf (hub_refusals): their author's `peers groups` read "removed,
3 refused by the hub" and the app's link line said so. Posts the leaf's own relay took out when
the removal arrived first (relay/voided.py, a leaf frozen and resumed) simply vanished: the
author's `peers groups` read "removed ✓", as if everything they wrote had gone out.

Hub A and leaf B on loopback: real nats-servers, relays and `peers` processes; B frozen by
SIGSTOP of its relay and its nats-server, as a suspended laptop is, for 20 s: resumed, B's relay
hears of the removal before it sends the posts (a freeze of a few seconds goes the other way).
Failed 2 of 2 before the fix (bob's `peers groups` "removed ✓"). Told "3 refused by the hub"
then, "3 void: cut off before they were seen" since h-left15 (the hub's words).
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.relay_helpers import bodies, paused_between_writes, team_on_two_hosts, wait_for

pytestmark = pytest.mark.slow

POSTS = ["cut off 1", "cut off 2", "cut off 3"]
FROZEN = 20.0  # s: the hub's server gives the silent leaf up


def test_posts_a_removal_voided_on_their_own_host_are_told_to_their_author(tmp_path):
    with team_on_two_hosts(tmp_path) as (hosts, alice, bob, code):
        hub, leaf = hosts
        bob.ok("join", code)
        wait_for(lambda: len(alice.ok("members", "team", "--json").json()) == 2, what="bob's join")
        assert leaf.process is not None
        frozen = (leaf.process.pid, leaf.nats_pid())
        # Stopped inside a write of the group's file, its relay kept bob's sends waiting on
        # the lock for good (a fresh-clone CI at load 13).
        team = next(g["id"] for g in bob.ok("groups", "--json").json() if g["name"] == "team")
        paused_between_writes(leaf, team)
        os.kill(frozen[1], signal.SIGSTOP)
        try:
            for body in POSTS:
                bob.ok("send", "team", body)
            alice.ok("remove", "team", "bob")
            time.sleep(FROZEN)
        finally:
            for pid in reversed(frozen):
                os.kill(pid, signal.SIGCONT)
        wait_for(lambda: not set(POSTS) & set(bodies(bob)), what="bob's posts void on B")
        assert not set(POSTS) & set(bodies(alice))
        # In the hub's words (h-left15): nothing refused them, the cut voided them
        told = wait_for(lambda: "3 void: cut off before they were seen" in bob.ok("groups").out
                        and bob.ok("groups").out, timeout=10, what="bob told of his 3 void posts")
        assert "refused" not in told, told
        assert "removed" in told
        # Counted once, as the leaf's own refusals, in its status (h-rejectedsame).
        status = leaf.status()
        assert status["rejected"] == {"B": 3}, status
        assert not status.get("refused_at_hub"), status
