"""The hub's own users told of their posts a cut voided there (h-told): the same count as a
leaf's refusals (GroupSync.refused, for their author), in the hub's honest words."""

from __future__ import annotations

import time

from peers_tui.core.link_state import GroupSync
from peers_tui.core.link_words import indicator, sync_label
from tests.core.test_link_state import GROUP, state

ERIN = "e" * 52


def test_on_the_hub_the_count_is_said_as_void_not_refused():
    voided = GroupSync(refused=3, refused_by=((ERIN, 3),))
    hub = state(role="hub", to=None, groups={GROUP: voided})
    now = time.time()
    assert indicator(hub, True, now, user=ERIN) == "⇅ hub ✓ · 3 void: cut off before they were seen"
    assert sync_label(hub, True, GROUP, now, user=ERIN) == "3 void: cut off before they were seen"
    assert indicator(hub, True, now, user="a" * 52) == "⇅ hub ✓"  # not alice's
    leaf = state(groups={GROUP: voided})  # a leaf's are the hub's refusals, as before
    assert sync_label(leaf, True, GROUP, now, user=ERIN) == "3 refused by the hub"


def test_on_a_leaf_those_a_cut_voided_are_said_apart_in_the_hubs_words():
    """h-left15: a leaf's refused records a cut voided (relay.refused_told) read as the hub's
    users' do; those refused for anything else keep "refused by the hub"."""
    now = time.time()
    mixed = GroupSync(refused=4, refused_by=((ERIN, 4),), void=3, void_by=((ERIN, 3),))
    leaf = state(groups={GROUP: mixed})
    assert sync_label(leaf, True, GROUP, now, user=ERIN) == (
        "1 refused by the hub, 3 void: cut off before they were seen")
    assert indicator(leaf, True, now, user=ERIN).endswith(
        " · 1 refused by the hub · 3 void: cut off before they were seen")
    assert sync_label(leaf, True, GROUP, now, user="a" * 52) == "✓"  # not alice's
    unnamed = GroupSync(refused=2, void=2)  # whose the relay could not tell: said to all
    assert sync_label(state(groups={GROUP: unnamed}), True, GROUP, now, user="a" * 52) == (
        "2 void: cut off before they were seen")
