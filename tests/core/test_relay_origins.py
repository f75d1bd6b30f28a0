"""Where each author's records came from, as a relay applied them (relay/origins.py): noted
in the apply, kept in the ledger only when an entry changes, read again by a relay started
later (h-voidwhere)."""

from __future__ import annotations

import sqlite3

import pytest

from peers_tui.relay import origins
from peers_tui.relay.ledger import Ledger

GROUP = "a" * 26


@pytest.fixture
def hub(tmp_path, monkeypatch):
    monkeypatch.setattr(origins, "_heard", {})  # this process as a relay just started
    monkeypatch.setattr(origins, "_unsaved", {})
    (tmp_path / ".relay").mkdir()
    return tmp_path


def rows(hub) -> list[tuple[str, str, str]]:
    with sqlite3.connect(hub / ".relay" / "relay.db") as conn:
        return sorted(conn.execute("SELECT group_id, author, host FROM origins"))


def test_noted_origins_are_kept_and_read_again_after_a_restart(hub, monkeypatch):
    ledger = Ledger(hub / ".relay" / "relay.db")
    origins.note(hub, GROUP, {"erin": "C", "dora": "", "bob": "B"})
    assert origins.recorded(hub, GROUP, "erin") == "C"
    assert origins.recorded(hub, GROUP, "dora") is None  # no host known: nothing noted
    assert origins.recorded(hub, "b" * 26, "erin") is None  # by group
    ledger.keep_origins()
    assert rows(hub) == [(GROUP, "bob", "B"), (GROUP, "erin", "C")]
    origins.note(hub, GROUP, {"erin": "D"})  # her last record came from D
    ledger.keep_origins()
    assert rows(hub) == [(GROUP, "bob", "B"), (GROUP, "erin", "D")]
    ledger.close()

    monkeypatch.setattr(origins, "_heard", {})  # another process: read from the ledger
    again = Ledger(hub / ".relay" / "relay.db")
    assert origins.recorded(hub / ".", GROUP, "erin") == "D"  # the same hub, however named
    assert origins.recorded(hub, GROUP, "bob") == "B"
    again.close()


def test_what_another_process_kept_is_found_in_the_ledger(hub, monkeypatch):
    """A `peers join` applies the newest page and keeps where it came from in the ledger;
    the running relay, which read its ledger when it started, finds it there when a cut
    voids one of those records."""
    assert origins.recorded(hub, GROUP, "erin") is None  # no ledger yet: none, no error
    ledger = Ledger(hub / ".relay" / "relay.db")
    assert origins.recorded(hub, GROUP, "erin") is None
    origins.note(hub, GROUP, {"erin": "C"})  # the join's process
    ledger.keep_origins()
    ledger.close()
    monkeypatch.setattr(origins, "_heard", {})  # the relay, started before the join
    assert origins.recorded(hub, GROUP, "erin") == "C"
    assert origins.recorded(hub, GROUP, "dora") is None


def test_the_ledger_is_written_only_when_an_entry_changes(hub):
    ledger = Ledger(hub / ".relay" / "relay.db")
    statements: list[str] = []
    ledger.db.set_trace_callback(statements.append)
    for _ in range(100):  # a backfill's pages, all of erin's records from C
        origins.note(hub, GROUP, {"erin": "C"})
        ledger.keep_origins()
    assert sum("INSERT" in s for s in statements) == 1, statements
    ledger.close()
