"""A relay's first look at a group file it handled before it stopped, without opening its store.

At a start every group file was opened as a store (the schema parsed, the founding record
checked), its membership log replayed and its rows after the positions scanned: ~3 ms a file,
most of a restart's CPU with 200 groups, for files nobody wrote to meanwhile. Now each scan
that found the file as it left it (no commit of another process in between) keeps a print
of what it handled (`look:<group>` in the ledger): the tables' tops, the membership log's
length and last row, the founding record. At the next start the file is first read through
a read-only connection: the same print, nothing past the positions and the rows at the
positions as pinned (position_pins.py: rows deleted and written again) say that nothing was
written since that scan; the file is then taken as looked at (its token remembered, as a
store closed clean leaves it: kept_stores.py), and its store is opened only when something
is written. Anything else (a print of another state, none kept, a file too recent) is the
full look, as before. Rows deleted below the tops are the census's to find (census.py: the
relay counts every group against the hub at each start).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from peers_tui.core import own_place
from peers_tui.core.group_store import GroupStore
from peers_tui.relay import position_pins
from peers_tui.relay.file_tokens import Token, data_version, settled
from peers_tui.relay.kept_stores import reading
from peers_tui.relay.ledger import Ledger

KEY = "look"
_STATE = ("SELECT (SELECT MAX(rowid) FROM message), (SELECT MAX(id) FROM invite),"
          " (SELECT MAX(rowid) FROM fork_evidence), (SELECT COUNT(*) FROM group_members),"
          " (SELECT MAX(seq) FROM group_members),"
          " (SELECT record FROM group_members ORDER BY seq DESC LIMIT 1),"
          " (SELECT sig FROM group_members ORDER BY seq DESC LIMIT 1),"
          " (SELECT id FROM group_info), (SELECT record FROM group_info),"
          " (SELECT sig FROM group_info)")


def state(connection: sqlite3.Connection) -> tuple[object, ...]:
    """What the print covers, read in one query (None where a table is empty)."""
    return tuple(connection.execute(_STATE).fetchone())


def file_print(connection: sqlite3.Connection) -> int:
    """The print of the file's state (never 0: 0 is "none kept"); 0 when it cannot be read."""
    try:
        found = state(connection)
    except sqlite3.Error:
        return 0
    return print_of(found)


def print_of(found: tuple[object, ...]) -> int:
    """The print of a `state` read (never 0)."""
    return position_pins.print_of(repr(found[:5]), repr(found[5:])) or 1


def unchanged(ledger: Ledger, group_id: str, path: Path) -> bool:
    """Whether the file is as the last scan this relay kept a print of left it (see above)."""
    kept = ledger.position(f"{KEY}:{group_id}")
    if not kept:
        return False
    try:
        with reading(None, path) as connection:
            found = state(connection)
            tops = [int(top or 0) for top in found[:2] if isinstance(top, (int, type(None)))]
            if (position_pins.print_of(repr(found[:5]), repr(found[5:])) or 1) != kept:
                return False
            if max(tops) >= own_place.HIGH:  # rows out of place: the scan moves them
                return False
            # The tops at the positions: a row past them is unsent; a position past its top
            # (rows deleted while the relay was stopped) must come down first (deleted_tops).
            if tops != [ledger.position(f"msg:{group_id}"), ledger.position(f"invite:{group_id}")]:
                return False
            return not position_pins.check(ledger, connection, group_id)
    except sqlite3.Error:
        return False


def first_look(scanner: Any, group_id: str, path: Path, token: Token) -> bool:
    """The scanner's first look at a file this run (`scanner`: local.LocalScanner): True when
    it is `unchanged`, the token then remembered as a clean close leaves it."""
    if (group_id in scanner.tokens or group_id in scanner.stores or not settled(token)
            or not unchanged(scanner.ledger, group_id, path)):
        return False
    scanner.tokens[group_id] = scanner.closed_at[group_id] = token
    return True


def same_after(store: GroupStore, before: int, version: int | None, more: bool) -> int:
    """The print to keep for a scan that began at `before` and data_version `version`: 0
    (none) when it stopped at its limit, or the file moved meanwhile (a commit of another
    process, or the scan's own writes: set aside, taken out)."""
    if more or not before or version is None or data_version(store) != version:
        return 0
    return before if file_print(store.db.connection()) == before else 0


__all__ = ["KEY", "file_print", "first_look", "print_of", "same_after", "unchanged"]
