"""The relay's notes for users are out of the group file, which every member of the host can
write (docs/relay.md "Relay notes out of the group file (h-relaynotes)").

Until then the relay noted a membership change it took out for losing its place in a table of
the group file (`relay_lost_changes`). A note planted there by anyone able to write the file,
beside a change of alice's deleted with sqlite3 while another change took its place, made her
client say "your membership change N lost its place ... make it again" and lower her pin to
the change there now: the deletion was never told. The notes now live in
`<hub>/.relay-notes/`, the relay's own; a table of that name in the file is dropped by the
schema's version 7 and one planted since is never read."""

from __future__ import annotations

import json
import sqlite3
import time

from peers_tui.core.database import SCHEMA_VERSION
from tests.conftest import User

GONE = "gone or altered (history deleted)"


def _pin(user: User, group_id: str) -> tuple[int, str]:
    with sqlite3.connect(user.home / "personal.db") as db:
        seq, digest = db.execute("SELECT member_head_seq, member_head_hash FROM groups"
                                 " WHERE id = ?", (group_id,)).fetchone()
    return int(seq), str(digest)


def _plant_lost_note(path, seq: int, digest: str, author: str) -> None:
    """A note as the relay wrote them into the file before h-relaynotes."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE IF NOT EXISTS relay_lost_changes (n INTEGER PRIMARY KEY, seq"
                   " INTEGER NOT NULL, hash TEXT NOT NULL, author TEXT NOT NULL, at REAL NOT NULL)")
        db.execute("INSERT INTO relay_lost_changes (seq, hash, author, at) VALUES (?, ?, ?, ?)",
                   (seq, digest, author, time.time()))


def test_a_planted_note_does_not_turn_a_deleted_change_into_a_lost_place(
        alice: User, bob: User, carol: User, team):
    path = alice.hub / f"{team}.db"
    alice.ok("role", "team", "bob", "admin")
    carol.ok("join", alice.ok("invite", "team").out.strip())
    alice.ok("role", "team", "carol", "reader")  # alice's change, pinned as she wrote it
    place, digest = _pin(alice, team)
    with sqlite3.connect(path) as db:
        [(record,)] = db.execute("SELECT record FROM group_members WHERE seq = ?", (place,))
        author = json.loads(record)["a"]
        db.execute("DELETE FROM group_members WHERE seq = ?", (place,))
    bob.ok("role", "team", "carol", "reader")  # bob's change takes the place alice's had
    with sqlite3.connect(path) as db:
        [(now_there,)] = db.execute("SELECT COUNT(*) FROM group_members WHERE seq = ?", (place,))
    assert now_there == 1
    _plant_lost_note(path, place, digest, author)

    told = alice.run("verify", "team")
    said = told.out + told.err
    assert "lost its place" not in said, said
    assert f"change {place}, verified earlier, is {GONE}" in said, said
    assert _pin(alice, team) == (place, digest)  # not lowered to bob's change
    again = alice.run("verify", "team")  # and said again: nothing explained it away
    assert GONE in again.out + again.err


def test_the_old_note_tables_are_dropped_from_a_file_of_version_6(alice: User, team):
    """A file the relay wrote notes into (schema 6) loses its note tables at its next open."""
    alice.ok("send", "team", "hello")
    path = alice.hub / f"{team}.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE IF NOT EXISTS relay_rewinds (n INTEGER PRIMARY KEY,"
                   " top INTEGER NOT NULL, at REAL NOT NULL)")
        db.execute("INSERT INTO relay_rewinds (top, at) VALUES (0, ?)", (time.time(),))
        db.execute("CREATE TABLE IF NOT EXISTS relay_lost_changes (n INTEGER PRIMARY KEY, seq"
                   " INTEGER NOT NULL, hash TEXT NOT NULL, author TEXT NOT NULL, at REAL NOT NULL)")
        db.execute("PRAGMA user_version = 6")
    assert [m["body"] for m in alice.ok("log", "team", "--json", "--no-events").json()] \
        == ["hello"]
    with sqlite3.connect(path) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master"
                                                 " WHERE type = 'table'")}
        [(version,)] = db.execute("PRAGMA user_version")
    assert version == SCHEMA_VERSION == 7
    assert not {"relay_rewinds", "relay_lost_changes"} & tables, tables
