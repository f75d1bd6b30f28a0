"""The newest window of a group's log read with plain sqlite3, judged by the same rules as
every other read (core.history through core.window_reads): what the first frame of `peers
open` shows, without loading Peewee and the models (~30 ms of a start measured against a
bare Textual app, issue 16).

The rows are the ones `Timeline.recent` reads, converted as the models convert them
(core.raw: TEXT decoded leniently, INTEGER and BLOB passed on as stored), and the membership
log is replayed as `peers send` replays it (core.lean_reads). A file this path does not read
(read-only, foreign, older or newer, in the middle of a backfill, a membership log with any
problem) gives None, and the caller reads it the full way, which reports what is wrong.
"""

from __future__ import annotations

import json
import os
import sqlite3

from peers_tui.core.chain_rules import by_hash, check_chain
from peers_tui.core.errors import PeersError
from peers_tui.core.forks import crowded_places, forked_places
from peers_tui.core.history import HistoryReader
from peers_tui.core.lean_reads import connect, lean_schema, predecessors, read_roster
from peers_tui.core.plain_rows import (
    SELECT, PlainRow, effect_keys, effects_on, held_places, plain_rows, rows_at)
from peers_tui.core.raw_values import UNEXPECTED_CONTENT, text_of
from peers_tui.core.records import RecordError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from peers_tui.core.chain_rules import Predecessors
    from peers_tui.core.database.files import StrPath
    from peers_tui.core.membership import Roster
    from peers_tui.core.records import SignedRecord
    from peers_tui.core.views import MessageView

    Place = tuple[str, int]

class LeanReads:
    """core.window_reads answered by one plain sqlite3 connection to a complete group file."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def _execute(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()

    def rows_with_ids(self, ids: list[str]) -> list[Any]:
        return plain_rows(self.conn, f"{SELECT} WHERE id IN (SELECT value FROM json_each(?))",
                          [json.dumps(ids)]) if ids else []

    def effects_on(self, ids: list[str]) -> list[Any]:
        return effects_on(self.conn, ids)

    def effect_keys(self, ids: list[str]) -> list[Any]:
        return effect_keys(self.conn, ids)

    def rows_at(self, rowids: list[int]) -> list[Any]:
        return rows_at(self.conn, rowids)

    def crowded(self, places: Iterable[Place]) -> set[Place]:
        return crowded_places(self._execute, places, self.conn)

    def forked(self, places: Iterable[Place], group_id: str,
               crowded: set[Place] | None = None, roster: Roster | None = None) -> set[Place]:
        return forked_places(self._execute, places, group_id, crowded, roster)

    def predecessors(self, wanted: set[Place], have: dict[Place, list[tuple[Any, Any]]] | None
                     = None, *, group_id: str) -> Predecessors:
        held = {key: list(value) for key, value in (have or {}).items() if key in wanted}
        found = by_hash(held, group_id)
        missing = {key for key in wanted if key not in held}
        if missing:
            found.update(predecessors(self.conn, missing, group_id=group_id))
        return found

    def held(self, places: set[Place]) -> set[Place]:
        return held_places(self.conn, places)

    def check_chain(self, record: SignedRecord, chain: Predecessors,
                    roster: Roster | None) -> None:
        check_chain(record, chain, roster)  # complete: connect() refuses a file mid-backfill


class LeanWindow:
    """What the first frame of a group shows, read and judged without the models."""

    __slots__ = ("views", "roster", "last_rowid")

    def __init__(self, views: list[MessageView], roster: Roster, last_rowid: int) -> None:
        self.views, self.roster, self.last_rowid = views, roster, last_rowid


def newest_window(path: StrPath, group_id: str, limit: int,
                  opened: sqlite3.Connection | None = None) -> LeanWindow | None:
    """The newest `limit` messages of the group file at `path` (oldest first, each judged, as
    `GroupStore.recent`), the roster they were judged by and the file's last rowid (read
    before the window, as the live feed's start); None where the full path must read it.
    `opened`: the file's connection from `connect` (core.start_account's genesis check),
    read and closed here instead of opening the file again."""
    try:
        conn = connect(path) if opened is None else opened
    except (OSError, sqlite3.Error, *UNEXPECTED_CONTENT):
        return None
    if conn is None:
        return None
    try:
        conn.execute("BEGIN")  # one snapshot: the roster, the last rowid and the window agree
        if opened is not None and not lean_schema(conn):  # a backfill begun since it opened
            return None
        roster = read_roster(conn, group_id, os.path.basename(path))
        if roster is None:
            return None
        last = conn.execute("SELECT MAX(rowid) FROM message").fetchone()[0]
        rows = plain_rows(conn, f"{SELECT} WHERE target IS NULL ORDER BY id DESC LIMIT ?",
                          [limit])
        rows.sort(key=lambda row: text_of(row.id))  # NULL in a recreated table
        views = HistoryReader(roster, group_id, LeanReads(conn)).views(rows)
        return LeanWindow(views, roster, last if isinstance(last, int) else 0)
    except (sqlite3.Error, PeersError, RecordError, *UNEXPECTED_CONTENT):
        return None  # the full read says what is wrong
    finally:
        conn.close()


__all__ = ["LeanReads", "LeanWindow", "PlainRow", "newest_window"]
