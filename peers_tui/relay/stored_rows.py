"""Message rows read back by the apply without Peewee model objects.

The batch apply (apply_batch.py) reads back every row it has just inserted to judge it as
stored (`HistoryReader.judge`, which takes "Message rows or any rows with the same
attributes and `rowid`"). Building a Peewee model per row was ~9 % of a backfill's event
loop (100,000 records, py-spy, 2026-11-30). The rows come through the models' prepared
queries (core.models.prepared, core.prepared_rows): the same columns and conversions as the
models, read on the bound connection in the caller's transaction.
"""

from __future__ import annotations

import json
from typing import Any

from peewee import SQL

from peers_tui.core.models import Message, prepared


def rows_with_ids(ids: list[str]) -> list[Any]:
    """The message rows holding these ids, with their rowids (models bound to the group)."""
    if not ids:
        return []
    param = json.dumps(ids)
    return list(prepared(Message, ("rows with ids",), [param], lambda: Message.with_rowid().where(
        Message.id.in_(SQL("(SELECT value FROM json_each(?))", [param])))))


__all__ = ["rows_with_ids"]
