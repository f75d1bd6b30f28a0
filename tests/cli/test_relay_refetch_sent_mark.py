"""Rows fetched back are stored upstream already (docs/relay.md, "Leftovers, fourth round"):
the relay's link file says up to which row of a group this host's messages reached the hub
(`sent`; the app marks the reader's later messages "not yet at the hub"). After bob's newest
rows were deleted from B's file and fetched back, `sent` stayed below them, so the app marked
bob's own messages as unsent although every host held them. Two hosts on loopback."""

from __future__ import annotations

import sqlite3

import pytest

from peers_tui.core.link_state import read_link_state
from tests.conftest import send_all
from tests.relay_helpers import bodies, team_on_two_hosts, wait_for

pytestmark = pytest.mark.slow


def top(leaf, group_id: str) -> int:
    with sqlite3.connect(leaf.hub / f"{group_id}.db") as conn:
        return conn.execute("SELECT MAX(rowid) FROM message").fetchone()[0]


def sent(leaf, group_id: str) -> int | None:
    state = read_link_state(leaf.hub)
    group = state.groups.get(group_id) if state is not None else None
    return group.sent if group is not None else None


def test_own_rows_fetched_back_are_not_left_marked_unsent(tmp_path):
    with team_on_two_hosts(tmp_path) as ((hub, leaf), alice, bob, code):
        bob.ok("join", code)
        send_all(alice, "team", [f"a{i}" for i in range(20)])
        send_all(bob, "team", [f"b{i}" for i in range(20)])
        wait_for(lambda: len(bodies(alice)) == 40 and bodies(bob) == bodies(alice), timeout=30,
                 what="the history on both hosts")
        group_id = next(g["id"] for g in bob.ok("groups", "--json").json() if g["name"] == "team")
        wait_for(lambda: sent(leaf, group_id) == top(leaf, group_id), what="B's rows sent")
        with sqlite3.connect(leaf.hub / f"{group_id}.db") as conn:
            gone = conn.execute("DELETE FROM message WHERE body IN ('b19', 'b18', 'b17', 'b15')")
            assert gone.rowcount == 4
        wait_for(lambda: "4 records missing" in leaf.stderr(), timeout=30, what="the refetch")
        assert bodies(bob) == bodies(alice)
        wait_for(lambda: sent(leaf, group_id) == top(leaf, group_id), timeout=10,
                 what=f"B's sent mark at its top again ({sent(leaf, group_id)}, {top(leaf, group_id)})")
        assert leaf.status()["unsent"] == 0
