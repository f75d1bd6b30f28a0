"""The hub's view of its leaves' links across a restart of its server (relay/leaf_links.py,
RESTART_GRACE): a token made or revoked restarts it, every leaf drops and reconnects within
its 250 ms; one back within the grace keeps its "since", one still away after it is down
since the restart."""

from __future__ import annotations

from peers_tui.relay.leaf_links import RESTART_GRACE, LeafLinks


def test_a_leaf_back_within_the_grace_keeps_its_since_and_one_away_is_down_since_the_restart():
    links = LeafLinks()
    assert links.update(["B", "C"], {"B": 0.2, "C": 0.3})
    since = {name: link["since"] for name, link in links.snapshot().items()}
    links.restarted()
    assert not links.update(["B", "C"], {})  # the server back, the leaves not yet
    assert not links.update(["B", "C"], {"B": 0.2})  # B back
    assert {name: (link["up"], link["since"]) for name, link in links.snapshot().items()} == {
        "B": (True, since["B"]), "C": (True, since["C"])}
    assert links.restart_at is not None
    links.restart_at -= RESTART_GRACE + 0.5  # (as if that long ago) C is still away
    assert links.update(["B", "C"], {"B": 0.2})
    snapshot = links.snapshot()
    assert snapshot["B"]["since"] == since["B"] and snapshot["B"]["up"]
    assert not snapshot["C"]["up"] and snapshot["C"]["since"] == links.restart_at


def test_without_a_restart_a_leaf_that_drops_is_down_at_once():
    links = LeafLinks()
    links.update(["B"], {"B": 0.2})
    assert links.update(["B"], {}) and not links.snapshot()["B"]["up"]
