"""A leaf's user whose posts a removal's cut voided is told so in the hub's words, and a record
the hub refused for another reason keeps its own (docs/relay.md, "Leftovers of issue 15 closed
(h-left15)", item 1).

h-told made the hub's own users read `3 void: cut off before they were seen` for their posts a
cut voided; on a leaf the same posts read "3 refused by the hub" (the hub's notices of them,
or the leaf's own take-out told as such: lost_inbound.told_as_refused), though nothing refused
them for being wrong. Now a leaf's relay tells which of its refused records a cut voided
(relay/refused_told.py: `.link.json`'s `void`, `void_ids`, `void_by`), and `peers groups` and
the app say them in the hub's words (core.link_words.refused_words).

Hub A (alice) and leaf B (bob, erin) on loopback: real nats-servers, relays and `peers`
processes. bob sends a message signed 26 h ahead (libfaketime), which the hub refuses for its
clock; then B's relay is stopped (SIGSTOP, not its server) while erin posts 3 and alice removes
her, so that B sends the posts after the removal: the hub refuses them for the cut and tells B,
and B's relay takes them out itself when the removal arrives.
"""

from __future__ import annotations

import shutil
import signal
from contextlib import contextmanager

import pytest

from peers_tui.core.link_state import read_link_state
from tests.cli.test_relay_refused_back import send_ahead, sync_of
from tests.relay_helpers import (
    federation, join_arrived, paused_between_writes, start_linked, stop_all, wait_for,
)

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("faketime") is None, reason="needs faketime")]

VOID = "3 void: cut off before they were seen"


@contextmanager
def erin_voided_on_leaf(tmp_path, bob_ahead: bool = True):
    """bob's one message refused by the hub for its clock (unless not `bob_ahead`), erin's 3
    voided by alice's removal of her (both on leaf B). Yields (hosts, group id, bob, erin)
    once B was told of both."""
    hosts = federation(tmp_path)
    hub, leaf = hosts
    try:
        alice, bob, erin = hub.user("alice"), leaf.user("bob"), leaf.user("erin")
        group_id = alice.ok("create", "team").out.strip()
        code = alice.ok("invite", "team", "--uses", "2").out.strip()
        start_linked(hosts)
        join_arrived(bob, code)
        join_arrived(erin, code)
        wait_for(lambda: sync_of(bob) == "✓" and sync_of(erin) == "✓", what="B level")
        if bob_ahead:
            send_ahead(bob, "from tomorrow")
            wait_for(lambda: sync_of(bob) == "1 refused by the hub", what="bob told of his")
        assert leaf.process is not None
        # between writes of B's file, which erin's sends write (inside one, they waited on
        # its lock)
        paused_between_writes(leaf, group_id)
        try:
            for n in range(3):
                erin.ok("send", "team", f"erin cut off {n}")
            alice.ok("remove", "team", "erin")
        finally:
            leaf.process.send_signal(signal.SIGCONT)
        wait_for(lambda: VOID in sync_of(erin), what="erin told of her 3 void posts")
        yield hosts, group_id, bob, erin
    finally:
        stop_all(hosts)


def test_posts_a_cut_voided_on_a_leaf_are_told_in_the_hubs_words(tmp_path):
    with erin_voided_on_leaf(tmp_path) as ((hub, leaf), group_id, bob, erin):
        assert sync_of(erin) == VOID, sync_of(erin)  # not "3 refused by the hub"
        assert "removed" in erin.ok("groups").out
        assert sync_of(bob) == "1 refused by the hub"  # the hub's clock: its words stay
        state = read_link_state(leaf.hub)
        assert state is not None
        team = state.group(group_id)
        assert team is not None and (team.refused, team.void) == (4, 3), team
        # `relay status`: bob's alone is the hub's refusal; erin's, taken out here too, are
        # this relay's own (h-rejectedsame), and `relay rejected` gives each one's reason
        wait_for(lambda: leaf.status().get("refused_at_hub") == 1, what="B's status")
        reasons = [row["reason"] for row in leaf.peers().ok("relay", "rejected", "--json").json()]
        assert sum("cut its author's chain" in r for r in reasons) == 3, reasons
