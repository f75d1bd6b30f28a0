"""Full-text search over message bodies with SQLite FTS5.

The index is a plain FTS5 table whose rowid is the message row's rowid. It holds each
message's *current* text: an edit replaces the entry, a deletion removes it. It is kept in
step by the store's code, not by triggers, since a group DB may carry no triggers at all.
Search results are only pointers: the store verifies every message it returns.
"""

from __future__ import annotations

import re
import sqlite3

from peers_tui.core.errors import PeersError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:  # Peewee is imported where it is used: `peers send` runs without it
    from typing import Any, Protocol

    import peewee

    class RunsSql(Protocol):
        """What writing the index needs of a connection: Peewee's database, or
        core.lean_post's plain sqlite3 one."""

        def execute_sql(self, sql: str, params: Any = ..., /) -> Any: ...

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


def index(db: RunsSql, rowid: int, body: str) -> None:
    db.execute_sql(f"INSERT OR REPLACE INTO {FTS_TABLE} (rowid, body) VALUES (?, ?)", (rowid, body))


def index_many(cursor: sqlite3.Cursor, rows: list[tuple[int, str]]) -> None:
    cursor.executemany(f"INSERT INTO {FTS_TABLE} (rowid, body) VALUES (?, ?)", rows)


def drop_above(db: RunsSql, top: int) -> None:
    """Drop the entries above rowid `top`, the message table's largest, before rows are
    stored there: they belong to no message (written into the file, or left by rows deleted
    without theirs), and an entry inserted at a rowid the index holds fails the whole
    statement. One seek when there are none."""
    db.execute_sql(f"DELETE FROM {FTS_TABLE} WHERE rowid > ?", (top,))


def unindex(db: peewee.SqliteDatabase, rowid: int) -> None:
    db.execute_sql(f"DELETE FROM {FTS_TABLE} WHERE rowid = ?", (rowid,))


def fts_query(text: str) -> str:
    """What a user typed, as an FTS5 query that cannot be a syntax error.

    Words are each searched for (all of them must match); "quoted text" is a phrase; a word
    ending in * is a prefix. Everything else is literal: each word becomes an FTS5 string, so
    can't, @bob, C++, example.com/pr or a trailing OR are words to find, not syntax (the
    tokenizer then splits them as it split the messages: can't finds "can't").
    """
    terms = []
    for phrase, word in _TERM.findall(text):
        raw = phrase if phrase else word
        prefix = not phrase and raw.endswith("*")
        raw = raw.rstrip("*") if prefix else raw
        if not any(char.isalnum() for char in raw):
            continue  # only punctuation: no token to look for
        terms.append('"' + raw.replace('"', '""') + '"' + ("*" if prefix else ""))
    if not terms:
        raise PeersError("search for words: that query has none (letters or digits)")
    return " ".join(terms)


# "a phrase" (an unclosed quote runs to the end), or a run of anything but spaces and quotes.
_TERM = re.compile(r'"([^"]*)"?|([^\s"]+)')


def search_rowids(db: peewee.SqliteDatabase, query: str, limit: int,
                  offset: int = 0) -> list[int]:
    """Rowids of messages matching `query` (see fts_query), newest first, from `offset`."""
    from peewee import OperationalError  # a reader has Peewee loaded already

    query = query.strip()
    if not query:
        raise PeersError("search query is empty")
    if len(query) > MAX_QUERY_CHARS:
        raise PeersError(f"search query is too long (limit {MAX_QUERY_CHARS} characters)")
    match = fts_query(query)
    try:
        rows = db.execute_sql(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? ORDER BY rowid DESC"
            " LIMIT ? OFFSET ?", (match, limit, offset)).fetchall()
    except (sqlite3.OperationalError, OperationalError) as exc:
        # fts_query leaves nothing FTS5 can misread; should it ever, the user gets no SQL.
        raise PeersError(f"could not search for {query!r}: try plain words") from exc
    return [row[0] for row in rows]
