"""`peers log` and the TUI's first frame on a file where a genuine record was altered in place:
the next record by the same author is flagged "the record before it ... is altered or forged
in this file (not deleted)", as `peers verify` says (tests/core/test_verify_altered_before.py),
not "history deleted"; a record truly deleted still is. Only the words: it is refused as
before."""

from __future__ import annotations

import sqlite3

from peers_tui.core.altered_places import ALTERED, DELETED
from peers_tui.core.lean_window import newest_window
from tests.conftest import User
from tests.core.test_verify_altered_before import altered


def flags(user: User) -> dict[str, str | None]:
    return {row["body"]: row.get("problem")
            for row in user.ok("log", "team", "--json", "--no-events").json()}


def first_frame(user: User, group_id: str) -> dict[str, str | None]:
    window = newest_window(user.hub / f"{group_id}.db", group_id, 50)
    assert window is not None
    return {view.body: view.problem for view in window.views}


def test_the_log_says_the_record_before_is_altered_not_deleted(alice: User, bob: User, team):
    first = alice.ok("send", "team", "first").out.strip()
    alice.ok("send", "team", "second")
    bob.ok("send", "team", "bob's")
    altered(alice, team, first)
    for seen in (flags(alice), first_frame(alice, team)):
        assert seen["second"] == ALTERED, seen
        assert seen["pay mallory"] and seen["pay mallory"] != ALTERED, seen  # refused itself
        assert seen["bob's"] is None, seen
    shown = alice.ok("log", "team").out
    assert "history deleted" not in shown and "altered or forged in this file" in shown, shown


def test_a_deleted_record_is_still_history_deleted_in_the_log(alice: User, team):
    first = alice.ok("send", "team", "first").out.strip()
    alice.ok("send", "team", "second")
    with sqlite3.connect(alice.hub / f"{team}.db", isolation_level=None) as conn:
        conn.execute("DELETE FROM message WHERE id=?", (first,))
    assert flags(alice)["second"] == DELETED
    assert first_frame(alice, team)["second"] == DELETED
