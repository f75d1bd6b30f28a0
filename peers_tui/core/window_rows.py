"""Message rows as `peers verify` reads them (core.bulk_verify), and the relay's batch apply
reads back what it inserted (relay/stored_rows.py): light named tuples with the attributes
the reader's rules read from a model row, not Peewee models.

A row read is the row the models would give: a value of another SQL type than its column
declares is converted by the model's own field, and text is decoded as every connection of
the models decodes it (core.database: bytes that are not UTF-8 become U+FFFD). What this
module saves is the work around that for the rows that need none, which are all the rows
peers itself writes:

- the values' types are checked in Python (`type` of each, one dict lookup a row), not by a
  `typeof()` a column in the SQL (~1 us a row of SQLite's expression evaluator);
- a window's text is decoded by sqlite3's C code where it is UTF-8 (`read_window`,
  core.text_in_c): the models' lenient decoder is a Python call a text value, six a row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from peers_tui.core.models import Message
from peers_tui.core.text_in_c import fetch_all

FIELDS = (Message.id, Message.author, Message.author_seq, Message.kind, Message.created_at,
          Message.body, Message.record, Message.sig, Message.target, Message.reply_to,
          Message.orig_id)
# The SQL type each column declares: a row whose values all have it (or are NULL) reads the
# same raw as through the model, so only the other rows pay for the fields' conversions.
DECLARED = {"author_seq": "integer", "created_at": "integer", "sig": "blob"}  # the rest: text
ROWS_SQL = "SELECT rowid, {columns} FROM message".format(
    columns=", ".join(f'"{field.column_name}"' for field in FIELDS))
WINDOW_SQL = ROWS_SQL + " WHERE rowid BETWEEN ? AND ? AND target IS NULL ORDER BY rowid"
# The Python type sqlite3 gives for each declared SQL type (no converters are registered).
_PYTHON_TYPE = {"integer": int, "blob": bytes, "text": str}
_DECLARED_TYPES = (int,) + tuple(_PYTHON_TYPE[DECLARED.get(field.column_name, "text")]
                                 for field in FIELDS)  # (the rowid first)
_NONE = type(None)


class StoredRow(NamedTuple):
    """A message row with the attributes the reader's rules read from a model row."""

    rowid: int
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


class _PlainTypes(dict[tuple[type, ...], bool]):
    """Whether a row's value types (`type` of each, rowid first) are all their columns'
    declared ones or NoneType: such a row reads the same raw as through the models. Only
    those are remembered (at most 2 ** 11 of them), so no file can make this grow further."""

    def __missing__(self, types: tuple[type, ...]) -> bool:
        plain = len(types) == len(_DECLARED_TYPES) and all(
            found is declared or found is _NONE for found, declared in zip(types, _DECLARED_TYPES))
        if plain:
            self[types] = True
        return plain


_plain = _PlainTypes()
_CONVERT = [field.python_value for field in FIELDS]
_new_row = tuple.__new__  # StoredRow._make without its Python frame and length check


def as_stored_rows(raws: Iterable[tuple[Any, ...]]) -> list[StoredRow]:
    # One expression a row, no call of ours for a plain one: _make's frame and a function's
    # per row were ~1.5 us of a verify row's ~80.
    return [_new_row(StoredRow, raw) if _plain[tuple(map(type, raw))] else _converted(raw)
            for raw in raws]


def _converted(raw: tuple[Any, ...]) -> StoredRow:
    return StoredRow(raw[0], *(convert(value) for convert, value in zip(_CONVERT, raw[1:])))


def stored_rows(db: Any, where: str, params: tuple[Any, ...]) -> list[StoredRow]:
    """The message rows `where` selects (SQL on the table's columns), as the judge reads them,
    on `db` (the models' database) as it decodes text."""
    return as_stored_rows(db.execute_sql(f"{ROWS_SQL} WHERE {where}", params))


def read_window(db: Any, bounds: tuple[int, int]) -> list[StoredRow]:
    """The message rows (not edits or deletions) stored at rowids lo..hi, in rowid order,
    their text decoded in C where it is UTF-8 (core.text_in_c)."""
    return as_stored_rows(fetch_all(db, WINDOW_SQL, bounds))


__all__ = ["DECLARED", "FIELDS", "StoredRow", "as_stored_rows", "read_window", "stored_rows"]
