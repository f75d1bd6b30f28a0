"""The hub's hearing of its leaves' relays (relay/leaf_heard.py), on a clock the test gives:
a leaf not heard for SILENT_AFTER is silent, but the hub's own stall is never the leaves'
(before its next look has run, nor after it)."""

from __future__ import annotations

from peers_tui.relay.leaf_heard import SILENT_AFTER, LeafHeard


def looked_every_second(heard: LeafHeard, start: float, end: float) -> None:
    t = start
    while t <= end:
        heard.look(t)
        t += 1.0


def test_a_leaf_not_heard_for_five_seconds_is_silent():
    heard = LeafHeard()
    heard.answered("B", now=100.0)
    looked_every_second(heard, 100.0, 100.0 + SILENT_AFTER + 1)
    assert heard.silent_since("B", now=100.0 + SILENT_AFTER + 1) == 100.0


def test_the_hubs_own_stall_calls_no_leaf_silent_before_its_next_look():
    """The hub's relay stopped 7 s: the first status written after it, before the look that
    moves the hearings on, must not call B silent (it did in CI at b25a695)."""
    heard = LeafHeard()
    looked_every_second(heard, 100.0, 103.0)
    heard.answered("B", now=103.0)
    resumed = 110.0  # stopped from 103.2 to 110
    assert heard.silent_since("B", now=resumed) is None  # no look since: the hub was away
    heard.look(resumed)
    assert heard.silent_since("B", now=resumed) is None  # moved on by the stall
    looked_every_second(heard, resumed + 1, resumed + 3)
    assert heard.silent_since("B", now=resumed + 3) is None


def test_a_leaf_silent_before_the_hubs_stall_is_silent_again_after_it():
    heard = LeafHeard()
    heard.answered("B", now=100.0)
    looked_every_second(heard, 100.0, 110.0)
    assert heard.silent_since("B", now=110.0) == 100.0
    looked_every_second(heard, 120.0, 120.0 + SILENT_AFTER + 1)  # held 10 s, then looking
    assert heard.silent_since("B", now=120.0 + SILENT_AFTER + 1) is not None
