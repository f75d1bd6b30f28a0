"""Rows of the search index at rowids above every message (the attack pass on the new rules,
docs/relay.md): written with sqlite3 into one host's file, or left by rows deleted without
their entries. The message table's next rows take those rowids (SQLite's choice, or a
writer's record stored above junk, core/own_place.py), and an entry inserted at a rowid the
index holds fails the whole statement ("constraint failed"): the relay's batch apply failed
every batch holding a searchable message, so the host stopped taking the group's messages
for good (the other hosts went on without it), and `peers import` failed. Now an entry at a
rowid takes the place of what the index held there."""

from __future__ import annotations

import json
import sqlite3

from peers_tui.relay.apply import apply_records
from peers_tui.relay.envelope import Envelope
from tests.core.test_relay_hub_holds_id import a_host


def stale_entries(db, count: int = 5) -> None:
    with sqlite3.connect(db) as conn:
        [(top,)] = conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM message")
        for rowid in range(top + 1, top + 1 + count):
            conn.execute("INSERT INTO message_fts (rowid, body) VALUES (?, 'stale')", (rowid,))


def searched(db, word: str) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [body for (body,) in conn.execute(
            "SELECT m.body FROM message_fts AS f JOIN message AS m ON m.rowid = f.rowid"
            " WHERE message_fts MATCH ?", (word,))]


def test_a_relay_applies_messages_over_stale_search_entries(tmp_path, alice, team):
    host = a_host(tmp_path, alice, team, "leaf")
    stale_entries(host / f"{team}.db")
    alice.ok("send", "team", "fresh words")
    with sqlite3.connect(alice.hub / f"{team}.db") as conn:
        text, sig = conn.execute("SELECT record, sig FROM message WHERE body = 'fresh words'"
                                 ).fetchone()
    envelope = Envelope(team, "msg", text, bytes(sig), None, "A")
    outcome = apply_records(host, team, [envelope], create=False, hub_order=True)
    assert outcome is not None and outcome.applied == [envelope], outcome
    assert searched(host / f"{team}.db", "fresh") == ["fresh words"]


def test_an_import_goes_over_stale_search_entries(tmp_path, alice, team):
    db = alice.hub / f"{team}.db"
    stale_entries(db)
    (tmp_path / "old.jsonl").write_text("\n".join(json.dumps(
        {"id": f"old{i}", "author": "someone", "body": f"old words {i}",
         "created_at": "2020-01-01T00:00:00Z"}) for i in range(3)))
    done = alice.spawn("import", "team", str(tmp_path / "old.jsonl"))
    assert done.code == 0, done.err
    assert sorted(searched(db, "old")) == ["old words 0", "old words 1", "old words 2"]
