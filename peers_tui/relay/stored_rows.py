"""Message rows read back by the apply without Peewee model objects.

The batch apply (apply_batch.py) reads back every row it has just inserted to judge it as
stored (`HistoryReader.judge`, which takes "Message rows or any rows with the same
attributes and `rowid`"). Building a Peewee model per row was ~9 % of a backfill's event
loop (100,000 records, py-spy, 2026-11-30); converting every value through its field
(core.prepared_rows) still ~5 %. The rows come as `peers verify` reads them
(core.window_rows.stored_rows): a row whose values all have their columns' declared types
is taken as read, any other gets the models' conversions; read on the bound connection in
the caller's transaction.
"""

from __future__ import annotations

import json
from typing import Any

from peers_tui.core.window_rows import DECLARED, FIELDS, StoredRow, stored_rows
from peers_tui.core.models import Message

# The Python type SQLite gives back for each column's declared type (INSERT's column order).
_TYPES = tuple({"integer": int, "blob": bytes}.get(DECLARED.get(field.column_name, ""), str)
               for field in FIELDS)


def rows_with_ids(ids: list[str]) -> list[Any]:
    """The message rows holding these ids, with their rowids (models bound to the group)."""
    if not ids:
        return []
    return list(stored_rows(Message._meta.database, "id IN (SELECT value FROM json_each(?))",
                            (json.dumps(ids),)))


def rows_as_inserted(values: list[tuple[Any, ...]], top: int) -> list[Any] | None:
    """The rows just inserted with `values` (one tuple a row, in `FIELDS` order) above rowid
    `top`, as `rows_with_ids` would read them back, without reading them: a value of its
    column's declared type (or NULL) is stored and read back as it is. None when a value is
    not (SQLite would convert it: `rows_with_ids` reads what was stored then), or the rows
    above `top` are not exactly these. Reading a page back was ~7 % of a backfill's event loop."""
    for row in values:
        for value, kind in zip(row, _TYPES):
            if value is not None and type(value) is not kind:  # a bool is no int here
                return None
    rowids = dict(Message._meta.database.execute_sql(
        "SELECT id, rowid FROM message WHERE rowid > ?", (top,)).fetchall())
    if len(rowids) != len(values):
        return None
    try:
        return [StoredRow(rowids[row[0]], *row) for row in values]
    except KeyError:
        return None


__all__ = ["rows_with_ids", "rows_as_inserted"]
