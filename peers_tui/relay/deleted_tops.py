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
"""

from __future__ import annotations

import os
from typing import Any

from peers_tui.core import joined_history

_TOPS = ("SELECT COALESCE((SELECT MAX(rowid) FROM message), 0),"
         " COALESCE((SELECT MAX(id) FROM invite), 0)")
_lowest: dict[str, tuple[int, int]] = {}  # by the file's real path: (message rowid, invite id)


def note_deletion(db: Any) -> None:
    """Call in the transaction that deleted, after the deletes: what any later row exceeds."""
    message, invite = db.execute_sql(_TOPS).fetchone()
    joined_history.forget_above(db, int(message))  # a reused rowid is news, not history
    key = os.path.realpath(db.database)
    before = _lowest.get(key)
    _lowest[key] = ((int(message), int(invite)) if before is None
                    else (min(before[0], int(message)), min(before[1], int(invite))))


def take(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """The lowest tops the relay's deletions left in this file since the last call, if any."""
    if not _lowest:  # the usual case: no realpath (a few lstat calls) at every look
        return None
    return _lowest.pop(os.path.realpath(path), None)


__all__ = ["note_deletion", "take"]
