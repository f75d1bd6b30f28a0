"""A removed member's posts from a host cut off from the hub, voided by the removal's cut, are
counted for their author, not for the host's other users, in whichever order the hub's
refusals and this host's own take-out come (the 27th acceptance pass).

erin posted on leaf B while B's relay was stopped; alice removed her on the hub meanwhile.
Back, B's relay sent the posts (the hub refused them and told B) and took them out of B's
file itself when the removal arrived. When the take-out came first, the hub's notices found
no row in B's file to say whose they were, and every user of B read "3 refused by the hub"
(bob's `peers groups` and the link line of his app, in every group) though none was his:
`.link.json`'s `refused_by` was empty. The record is found in B's quarantine now."""

from __future__ import annotations

import pytest

from peers_tui.core.link_state import read_link_state
from tests.cli.test_relay_refused_back import sync_of
from tests.cli.test_relay_void_told_on_leaf import erin_voided_on_leaf
from tests.relay_helpers import wait_for

pytestmark = pytest.mark.slow


def test_posts_a_cut_voided_are_counted_for_their_author_only(tmp_path):
    with erin_voided_on_leaf(tmp_path, bob_ahead=False) as ((hub, leaf), group_id, bob, erin):

        def told() -> bool:
            state = read_link_state(leaf.hub)
            sync = state.group(group_id) if state is not None else None
            return sync is not None and sync.refused == 3

        wait_for(lambda: hub.status()["rejected"].get("B") == 3, what="the hub's refusals")
        wait_for(lambda: leaf.status()["rejected"].get("B") == 3, what="B's take-out")
        wait_for(told, what="B told of the hub's refusals")
        assert sync_of(bob) == "✓", sync_of(bob)
        assert sync_of(erin).endswith("3 void: cut off before they were seen"), sync_of(erin)
        state = read_link_state(leaf.hub)
        assert state is not None
        [(_, count)] = state.group(group_id).refused_by
        assert count == 3
