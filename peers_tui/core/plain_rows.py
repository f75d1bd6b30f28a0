"""Message rows read with a plain sqlite3 cursor, converted as the models convert them (core.
raw: TEXT decoded leniently, INTEGER and BLOB passed on as stored): what core.lean_window
judges the first frame by, and what both window reads (core.window_reads) fetch the changes
of a window with. A Peewee model cost ~10 times a plain row to build, and thousands of
changes may be aimed at one message (issue 15). No Peewee here, and nothing of the rules."""

from __future__ import annotations

import json

from peers_tui.core.effect_plan import Key
from peers_tui.core.raw_values import text_of

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterable
    from typing import Any

# core.models.Message's columns, with the rowid that `Message.with_rowid()` adds.
COLUMNS = ("rowid", "id", "author", "author_seq", "kind", "created_at", "body", "record", "sig",
           "target", "reply_to", "orig_id")
_TEXT = frozenset(("id", "author", "kind", "body", "record", "target", "reply_to", "orig_id"))
SELECT = f"SELECT {', '.join(COLUMNS)} FROM message"
_IN = "(SELECT value FROM json_each(?))"  # one JSON parameter: no SQL variable per id


def text_column(value: Any) -> Any:
    """A TEXT column as the models read it (core.raw.RawTextField): a BLOB decoded leniently."""
    return None if value is None else text_of(value)


class PlainRow:
    """A message row with the attributes (and values) a `Message` read by the models has."""

    __slots__ = COLUMNS
    rowid: Any
    id: Any
    author: Any
    author_seq: Any
    kind: Any
    created_at: Any
    body: Any
    record: Any
    sig: Any
    target: Any
    reply_to: Any
    orig_id: Any

    def __init__(self, values: Iterable[Any]) -> None:
        for name, value in zip(COLUMNS, values):
            setattr(self, name, text_column(value) if name in _TEXT else value)


def plain_rows(conn: sqlite3.Connection, sql: str, params: Iterable[Any] = ()) -> list[PlainRow]:
    return [PlainRow(values) for values in conn.execute(sql, tuple(params))]


def effects_on(conn: sqlite3.Connection, ids: list[str]) -> list[PlainRow]:
    """The rows that change these messages (edits, deletions, reactions), by id."""
    return plain_rows(conn, f"{SELECT} WHERE target IN {_IN} ORDER BY id", [json.dumps(ids)])


def effect_keys(conn: sqlite3.Connection, ids: list[str]) -> list[Key]:
    """effects_on's rows with only what groups them (core.effect_plan), not their records:
    a window's read judges few of them."""
    return [Key(rowid, text_column(id), text_column(author), seq, text_column(kind),
                text_column(target), text_column(body))
            for rowid, id, author, seq, kind, target, body in conn.execute(
                "SELECT rowid, id, author, author_seq, kind, target,"
                f" CASE WHEN kind = 'react' THEN body END FROM message WHERE target IN {_IN}"
                " ORDER BY id", (json.dumps(ids),))]


def rows_at(conn: sqlite3.Connection, rowids: list[int]) -> list[PlainRow]:
    """The message rows with these rowids, whole."""
    return plain_rows(conn, f"{SELECT} WHERE rowid IN {_IN}", [json.dumps(rowids)]) if rowids else []


def held_places(conn: sqlite3.Connection, places: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """Those of these chain places where the message or invite table holds a row, whatever
    it holds (core.altered_places)."""
    if not places:
        return set()
    wanted = ("(SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]')"
              " FROM json_each(?))")
    found = conn.execute(f"SELECT author, author_seq FROM message WHERE (author, author_seq) IN"
                         f" {wanted} UNION SELECT author, author_seq FROM invite WHERE"
                         f" (author, author_seq) IN {wanted}",
                         (json.dumps(sorted(places)),) * 2)
    return {place for place in found if place in places}


__all__ = ["COLUMNS", "SELECT", "PlainRow", "effect_keys", "effects_on", "held_places",
           "plain_rows", "rows_at", "text_column"]
