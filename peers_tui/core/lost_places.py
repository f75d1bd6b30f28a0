"""Membership changes the relay took out of a group file because the hub ordered another
change at their place (relay.apply_singly.lose_race: a leaf's change that lost a race, a
hub's change written into a file put back: relay.stream_order), noted in the file itself.

The relay keeps the change in its quarantine, in `<hub>/.relay/` (mode 0700): no user's
client can read it. But the client pinned the change as verified when its user wrote it
(core.pins), and said for good that change N "verified earlier, is gone or altered (history
deleted)". With the note a client tells what happened instead, once ("your membership change
N lost its place ...; make it again"), and lowers its pin to the change now at that place.
The note is believed only where the file's log holds another change that counts at the
place: a change deleted outright (history deleted) is still told as such. The file is
every member's to write: a note planted beside a deletion changes only the words of the
warning about one's own change, which is gone either way (docs/relay.md "Restored files,
second round (h-restore2)").
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from peewee import Database

TABLE = "relay_lost_changes"
KEEP = 256


def note_lost(db: Database, changes: list[tuple[int, str, str]]) -> None:
    """(place, record hash, author) of each change taken out, in the transaction taking it out."""
    if not changes:
        return
    db.execute_sql(f"CREATE TABLE IF NOT EXISTS {TABLE} (n INTEGER PRIMARY KEY, seq INTEGER"
                   " NOT NULL, hash TEXT NOT NULL, author TEXT NOT NULL, at REAL NOT NULL)")
    now = time.time()
    for seq, digest, author in changes:
        db.execute_sql(f"INSERT INTO {TABLE} (seq, hash, author, at) VALUES (?, ?, ?, ?)",
                       (seq, digest, author, now))
    db.execute_sql(f"DELETE FROM {TABLE} WHERE n <= (SELECT MAX(n) FROM {TABLE}) - ?", (KEEP,))


def author_of(text: str) -> str:
    try:
        author = json.loads(text).get("a")
    except (ValueError, AttributeError):
        return ""
    return author if isinstance(author, str) else ""


def lost_by(db: Database, seq: int, digest: str) -> str | None:
    """The author of the change `digest` at `seq` if the relay noted taking it out for losing
    its place, else None (no note; a file without the table)."""
    import peewee  # loaded already by the store the caller reads with

    try:
        row = db.execute_sql(f"SELECT author FROM {TABLE} WHERE seq = ? AND hash = ? LIMIT 1",
                             (seq, digest)).fetchone()
    except (sqlite3.Error, peewee.DatabaseError):  # no such table: nothing ever lost here
        return None
    return str(row[0]) if row is not None else None
