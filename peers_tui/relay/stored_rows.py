"""Message rows read back by the apply without Peewee model objects.

The batch apply (apply_batch.py) reads back every row it has just inserted to judge it as
stored (`HistoryReader.judge`, which takes "Message rows or any rows with the same
attributes and `rowid`"). Building a Peewee model per row was ~9 % of a backfill's event
loop (100,000 records, py-spy, 2026-11-30); converting every value through its field
(core.prepared_rows) still ~5 %. The rows come as `peers verify` reads them
(core.bulk_verify.stored_rows): a row whose values all have their columns' declared types
is taken as read, any other gets the models' conversions; read on the bound connection in
the caller's transaction.
"""

from __future__ import annotations

import json
from typing import Any

from peers_tui.core.bulk_verify import stored_rows
from peers_tui.core.models import Message


def rows_with_ids(ids: list[str]) -> list[Any]:
    """The message rows holding these ids, with their rowids (models bound to the group)."""
    if not ids:
        return []
    return list(stored_rows(Message._meta.database, "id IN (SELECT value FROM json_each(?))",
                            (json.dumps(ids),)))


__all__ = ["rows_with_ids"]
