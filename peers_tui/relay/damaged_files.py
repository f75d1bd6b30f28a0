"""Group files damaged on this host, for `peers relay status` (docs/relay.md, the seventh
acceptance pass): a founding record edited in place showed "damaged" in the app and in `peers
groups`, and nothing in the relay's status.

The scanner (relay.local) opens each group file once and keeps it, its founding record
checked then (GroupStore.genesis): a file that cannot be opened so is damaged here, and one
whose founding record changed since is looked at again at each scan (`founding_problem`: one
query a scan of a file another process wrote). Nothing of a damaged file is sent; it is named
in the status until it is mended (relay.status_report.damaged_line; --json "damaged").
"""

from __future__ import annotations

import sqlite3
from typing import Any

from peers_tui.core.errors import DamagedDatabase
from peers_tui.core.genesis import checked_genesis
from peers_tui.core.group_store import GroupStore
from peers_tui.core.raw_values import text_of


def founding_problem(store: GroupStore) -> str | None:
    """Why the founding record the file holds now is no longer the one checked when the store
    was opened (the readers' words, as `peers verify` says it), None when it is the same."""
    genesis = store.genesis()
    try:
        row: Any = store.db.connection().execute(
            "SELECT id, record, sig FROM group_info").fetchone()
    except sqlite3.Error as exc:
        return f"{store.path.name}: {exc}"
    if (row is not None and row[0] == store.group_id and text_of(row[1]) == genesis.text
            and isinstance(row[2], bytes) and row[2] == genesis.sig):
        return None
    try:
        checked_genesis(row, store.group_id, store.path.name)
    except DamagedDatabase as exc:
        return str(exc)
    return None


__all__ = ["founding_problem"]
