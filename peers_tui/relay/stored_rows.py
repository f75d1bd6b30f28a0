"""Message rows read back by the apply as plain objects, not Peewee models.

The batch apply (apply_batch.py) reads back every row it has just inserted to judge it as
stored (`HistoryReader.judge`, which takes "Message rows or any rows with the same
attributes and `rowid`"). Building a Peewee model per row was ~9 % of a backfill's event
loop (100,000 records, py-spy, 2026-11-30). The values are the same: every column of a
message is a TEXT, INTEGER or BLOB column whose Peewee conversion of what SQLite returns is
the identity for the values a row can hold here (str for TEXT columns, which SQLite stores
text in; int for the INTEGER ones; bytes for the signature), so the judge sees exactly what
it saw through the models, read from the file in the same transaction.
"""

from __future__ import annotations

import json
from typing import Any

COLUMNS = ("rowid", "id", "author", "author_seq", "kind", "created_at", "body", "record", "sig",
           "target", "reply_to", "orig_id")
WITH_IDS = (f"SELECT {', '.join(COLUMNS)} FROM message"
            " WHERE id IN (SELECT value FROM json_each(?))")


class StoredRow:
    """One message row as stored: its columns by name, and its rowid."""

    __slots__ = COLUMNS
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

    def __init__(self, values: tuple[Any, ...]) -> None:
        for name, value in zip(COLUMNS, values):
            setattr(self, name, value)

    def __repr__(self) -> str:
        return f"StoredRow(rowid={self.rowid!r}, id={self.id!r})"


def rows_with_ids(db: Any, ids: list[str]) -> list[StoredRow]:
    """The message rows holding these ids, on the caller's connection (and transaction)."""
    if not ids:
        return []
    return [StoredRow(values) for values in db.execute_sql(WITH_IDS, (json.dumps(ids),)).fetchall()]
