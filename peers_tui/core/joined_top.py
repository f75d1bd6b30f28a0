"""How far the rows a join fetched go, in the group file the join made.

`peers join` through the relay makes the group file from the federation's records (the
membership log, the invites, the newest page of messages: relay/fetch.py) and links it into
the hub. None of those rows is this host's to send. While the relay runs it passes them over
(they are known to its ledger) and moves its positions past them; stopped right after the
join, before it listed the group in `.link.json`, the count of unsent records
(core.stopped_unsent) started from the file's first row: "301 unsent" (twenty-seventh
acceptance pass, docs/relay.md). So the join writes the message rowid and invite id its rows
reach into the file it made (one row, `joined_top`), and the count starts above them. Only a
file the join made whole is marked: rows a file had before were written here, maybe unsent.
Rows are appended (relay/own_place.py keeps every new row above the old ones), so a row
above the mark is one stored after the join.
"""

from __future__ import annotations

import sqlite3
from typing import Any

TABLE = "joined_top"
SCHEMA = (f"CREATE TABLE IF NOT EXISTS {TABLE} (message INTEGER NOT NULL, "
          "invite INTEGER NOT NULL)")


def mark(db: Any) -> None:
    """Write the file's top message rowid and invite id as the join's (the join's own
    transaction, on the group file's peewee connection, in its session)."""
    db.execute_sql(SCHEMA)
    db.execute_sql(f"DELETE FROM {TABLE}")
    db.execute_sql(f"INSERT INTO {TABLE} SELECT (SELECT COALESCE(MAX(rowid), 0) FROM message),"
                   " (SELECT COALESCE(MAX(id), 0) FROM invite)")


def read(connection: sqlite3.Connection) -> tuple[int, int]:
    """The join's mark of a file (0, 0 where there is none, or none readable)."""
    try:
        if connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                              (TABLE,)).fetchone() is None:
            return 0, 0
        row = connection.execute(f"SELECT message, invite FROM {TABLE}").fetchone()
    except sqlite3.Error:
        return 0, 0
    if row is None:
        return 0, 0
    message, invite = row
    return (message if isinstance(message, int) else 0, invite if isinstance(invite, int) else 0)
