"""Full-text search over message bodies with SQLite FTS5.

The index is a plain FTS5 table whose rowid is the message row's rowid. It holds each
message's *current* text: an edit replaces the entry, a deletion removes it. It is kept in
step by the store's code, not by triggers, since a group DB may carry no triggers at all.
Search results are only pointers: the store verifies every message it returns.
"""

from __future__ import annotations

import sqlite3

import peewee

from peers_tui.core.errors import PeersError

FTS_TABLE = "message_fts"
SEARCHABLE_KINDS = ("text", "action", "imported")
MAX_QUERY_CHARS = 500


def create_search_index(db: peewee.SqliteDatabase) -> None:
    db.execute_sql(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
        "body, tokenize = 'unicode61 remove_diacritics 2')")


def backfill(db: peewee.SqliteDatabase) -> None:
    kinds = ",".join(f"'{kind}'" for kind in SEARCHABLE_KINDS)
    db.execute_sql(f"INSERT INTO {FTS_TABLE} (rowid, body) "
                   f"SELECT rowid, body FROM message WHERE kind IN ({kinds}) AND target IS NULL")


def index(db: peewee.SqliteDatabase, rowid: int, body: str) -> None:
    db.execute_sql(f"INSERT OR REPLACE INTO {FTS_TABLE} (rowid, body) VALUES (?, ?)", (rowid, body))


def index_many(cursor: sqlite3.Cursor, rows: list[tuple[int, str]]) -> None:
    cursor.executemany(f"INSERT INTO {FTS_TABLE} (rowid, body) VALUES (?, ?)", rows)


def unindex(db: peewee.SqliteDatabase, rowid: int) -> None:
    db.execute_sql(f"DELETE FROM {FTS_TABLE} WHERE rowid = ?", (rowid,))


def search_rowids(db: peewee.SqliteDatabase, query: str, limit: int) -> list[int]:
    """Rowids of messages matching `query` (FTS5 syntax: words, "phrases", prefix*), newest first."""
    query = query.strip()
    if not query:
        raise PeersError("search query is empty")
    if len(query) > MAX_QUERY_CHARS:
        raise PeersError(f"search query is too long (limit {MAX_QUERY_CHARS} characters)")
    try:
        rows = db.execute_sql(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? ORDER BY rowid DESC LIMIT ?",
            (query, limit)).fetchall()
    except (sqlite3.OperationalError, peewee.OperationalError) as exc:
        # Any failure of MATCH here is the query's: FTS5 reports its syntax errors this way.
        raise PeersError(f"bad search query {query!r} ({exc}): use words, \"a phrase\" "
                         "or prefix*") from exc
    return [row[0] for row in rows]
