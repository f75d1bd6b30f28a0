"""Whose the unsent are, in the link file and in the words (h-told): the line and the sync
column count the reader's own (what the log marks) and give the host's figure beside them."""

from __future__ import annotations

import time

from peers_tui.core.link_state import GroupSync, read_link_state, write_link_state
from peers_tui.core.link_words import indicator, sync_label
from tests.core.test_link_state import GROUP, hub, state  # noqa: F401 (a fixture)

ERIN, BOB = "e" * 52, "b" * 52


def offline(sync: GroupSync):
    return state(up=False, since=time.time() - 72, groups={GROUP: sync})


def test_the_readers_own_first_the_hosts_beside_them(hub):  # noqa: F811
    both = GroupSync(unsent=11, sent=12, unsent_by=((ERIN, 8), (BOB, 3)))
    write_link_state(hub, offline(both))
    read = read_link_state(hub)
    assert read is not None and read.group(GROUP).unsent_by == ((ERIN, 8), (BOB, 3))
    now = time.time()
    line = indicator(read, True, now, user=ERIN, group=GROUP)
    assert line == "⇅ offline 1m12s · 8 unsent (11 on this host)", line
    assert sync_label(read, True, GROUP, now, user=BOB) == "offline 1m, 3 unsent (11 on this host)"
    # Nothing of the reader's: the host's, said as the host's (no mark is missing).
    assert indicator(read, True, now, user="c" * 52, group=GROUP).endswith(
        "· 11 unsent on this host")
    # All the reader's: no second figure; no reader known (the CLI's status): the host's.
    mine = GroupSync(unsent=4, sent=12, unsent_by=((ERIN, 4),))
    assert indicator(offline(mine), True, now, user=ERIN, group=GROUP).endswith("· 4 unsent")
    assert indicator(read, True, now).endswith("· 11 unsent")


def test_a_file_whose_unsent_by_is_not_pairs_is_no_link_state(hub):  # noqa: F811
    write_link_state(hub, offline(GroupSync(unsent=1, unsent_by=(("not an id", 1),))))
    assert read_link_state(hub) is None
