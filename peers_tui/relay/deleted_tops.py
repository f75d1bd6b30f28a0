"""Where the relay's own deletions left the top of a group file's tables.

The scanner's positions (relay.local) are rowids: a message's rowid and an invite's id. Neither
table has AUTOINCREMENT, so when the relay deletes the newest rows (a record voided by a cut,
a broken link, a refused batch), SQLite gives those numbers to the next rows written, and a
position already past them would never publish a post written there afterwards. Each deletion
notes, inside its own transaction, the tops it left; the scanner lowers its positions to them
before it next looks (the rows between are read again; those already known are not resent).
A writer's own deletion (junk set aside at its next place, core/own_place.py, another process)
is not noted here: the record replacing it is stored above the old top, so the top never goes
down and no rowid a position passed is given again.
Rows deleted by anyone else (sqlite3 on the file: a member's newest message taken out, README
rule 9) note nothing; the scanner finds them before it looks (`reused_below`): a position
above a table's top comes down to it. Rows deleted and written again before it looks (its
process stopped meanwhile) are found by the pins of its positions (position_pins.py).
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any

import peewee

from peers_tui.core import joined_history
from peers_tui.core.relay_notes import note_rewind

_TOPS = ("SELECT COALESCE((SELECT MAX(rowid) FROM message), 0),"
         " COALESCE((SELECT MAX(id) FROM invite), 0)")
_lowest: dict[str, tuple[int, int]] = {}  # by the file's real path: (message rowid, invite id)


def note_deletion(db: Any) -> None:
    """Call in the transaction that deleted, after the deletes: what any later row exceeds."""
    message, invite = db.execute_sql(_TOPS).fetchone()
    joined_history.forget_above(db, int(message))  # a reused rowid is news, not history
    note_rewind(db.database, int(message))  # a reader following it: no file put back (file_mark)
    key = os.path.realpath(db.database)
    before = _lowest.get(key)
    _lowest[key] = ((int(message), int(invite)) if before is None
                    else (min(before[0], int(message)), min(before[1], int(invite))))


def reused_below(db: Any, positions: tuple[int, int]) -> tuple[int, int] | None:
    """Where the positions (message rowid, invite id) must come down to when rows above the
    tables' tops were deleted by someone else (sqlite3 on the file: a member's newest message
    taken out, README rule 9): SQLite gives their numbers to the next rows written, which a
    position past them would never publish. None: both stand. One query a look at a file
    others committed to. Only the tops as they are now are seen: rows deleted and written
    again before the relay looks (its process stopped meanwhile) are not found."""
    try:
        message, invite = (int(top) for top in db.execute_sql(_TOPS).fetchone())
    except (sqlite3.Error, peewee.DatabaseError, TypeError, ValueError):
        return None  # the scan after it says what is wrong with the file
    if message >= positions[0] and invite >= positions[1]:
        return None
    return min(message, positions[0]), min(invite, positions[1])


def lowest(path: str | os.PathLike[str], db: Any,
           positions: tuple[int, int]) -> tuple[int, ...]:
    """The tops the positions come down to (message, invite; none when they stand): those
    the relay's own deletions left (`take`), and those `reused_below` finds (`db`: the
    file's, None when only the relay wrote since its last look)."""
    tops = take(path)
    reused = reused_below(db, positions) if db is not None else None
    if reused is None:
        return tops or ()
    return (min(tops[0], reused[0]), min(tops[1], reused[1])) if tops else reused


def take(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """The lowest tops the relay's deletions left in this file since the last call, if any."""
    if not _lowest:  # the usual case: no realpath (a few lstat calls) at every look
        return None
    return _lowest.pop(os.path.realpath(path), None)


__all__ = ["lowest", "note_deletion", "reused_below", "take"]
