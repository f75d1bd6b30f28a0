"""A user of the hub host removed from a leaf by a change whose cut had not seen their latest
posts: the hub's relay takes the posts out of its file (README rule 4), and their author is
told, as a leaf's user is (h-told; tests/cli/test_relay_void_told_here.py for the leaf).

Before, only a leaf's relay told (hub_refusals.HeardRefusals): at the hub the posts were set
aside under the hub's own name in `relay rejected` and their author's `peers groups` read
"removed ✓", as if everything they wrote had gone out. Now "removed, 3 void: cut off before
they were seen" (nothing refused them at the hub: the cut voided them), counted once.

Hub A (alice, erin) and leaf B (bob, an admin) on loopback: real nats-servers, relays and
`peers` processes. B's relay is stopped (SIGSTOP, not its server: bob's change still reaches
the hub's sequencer through it) while erin posts on A, so B's file, and bob's cut, lack them.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager

import pytest

from tests.relay_helpers import (
    Refusals, bodies, paused_between_writes, team_on_hub_and_leaf, wait_for,
)

pytestmark = pytest.mark.slow

POSTS = ["unseen 1", "unseen 2", "unseen 3"]


def said(user, words: str) -> str | None:
    out = user.ok("groups").out
    return out if words in out else None


@contextmanager
def erin_voided_on_hub(tmp_path):
    """erin on the hub A posts 3 while B's relay is stopped; bob (an admin on B) removes her
    by a change whose cut had not seen them. Yields (hosts, alice, erin, refusals) once the
    posts are void on A; `refusals` counted from before them. Also the app's test's set-up."""
    with team_on_hub_and_leaf(tmp_path, "erin") as (hosts, team, alice, erin, bob):
        hub, leaf = hosts
        alice.ok("role", "team", "bob", "admin")
        erin.ok("send", "team", "seen by bob")
        wait_for(lambda: "seen by bob" in bodies(bob), what="erin's first post on B")
        wait_for(lambda: any(m["handle"] == "bob" and m["role"] == "admin"
                             for m in bob.ok("members", "team", "--json").json()),
                 what="bob an admin on B")
        refusals = Refusals(hosts)

        paused_between_writes(leaf, team)  # B's relay only: its server passes bob's change on
        try:
            for body in POSTS:
                erin.ok("send", "team", body)
            wait_for(lambda: hub.status()["unsent"] == 0, what="erin's posts out of A")
            # signed against B's file: its cut before them
            wait_for(lambda: bob.run("remove", "team", "erin").code == 0, what="the removal")
        finally:
            leaf.process.send_signal(signal.SIGCONT)
        wait_for(lambda: not set(POSTS) & set(bodies(alice)), what="erin's posts void on A")
        yield hosts, alice, erin, refusals


def test_a_hub_users_posts_a_leafs_removal_voided_are_told_to_them(tmp_path):
    with erin_voided_on_hub(tmp_path) as (hosts, alice, erin, refusals):
        hub = hosts[0]
        told = wait_for(lambda: said(erin, "3 void: cut off before they were seen"),
                        timeout=10, what="erin told of her 3 void posts")
        assert "removed" in told, told
        listed = {row["name"]: row for row in erin.ok("groups", "--json").json()}["team"]
        assert listed["sync"].endswith("3 void: cut off before they were seen"), listed
        # alice's posts are not erin's: nothing said to her.
        assert "void" not in alice.ok("groups").out
        # Counted once, as the hub's own set-aside records, never as a hub's refusal.
        status = hub.status()
        assert refusals.of(hub) == {"A": 3}, status
        assert not status.get("refused_at_hub"), status
