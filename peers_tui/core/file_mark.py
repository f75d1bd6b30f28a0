"""FileMark: tells a reader that follows a group file by rowid (the app's live feed, `peers log
--follow`) that the file was replaced or put back under it.

Both read the rows stored after the last rowid they read. A file put back to an older copy
(SQLite's backup API into the live file, `cp` of a copy over it, `mv` of another copy onto
its name) numbers its rows from where the copy stopped: the rows written into it later (a
relay fetching back what the copy lacked, a user's send) get rowids at or below what the
reader had read, and it never read them (docs/relay.md "A replaced group file in an open app
(h-restored)"). The mark is the file's inode and the id of the message at the rowid read up
to: another inode, a newest rowid below that one, or another message (or none) there is a
file that is not the one read, and the reader reads it again from the start.

The relay takes rows out of a file too (a record a removal's cut voided, a fork half set
aside as evidence, a refused batch: relay.deleted_tops), the newest among them, and that
looked the same: the app said "team's file was replaced: history reloaded" when nothing was.
The relay notes each such deletion, in the deleting transaction, where members cannot write
(core.relay_notes, `<hub>/.relay-notes/`: the table's top after it, and when); a reader that
finds its mark gone looks for a note made since its last read that took the table below its
position: a rewind by the relay (`FileMark.rewound`), read again the same way but not called a
replacement. A file put back to an older copy has no such note from after the reader's last
read (docs/relay.md "Restored files, second round (h-restore2)"; the notes lay in the file
itself then, where a member could plant one: "Relay notes out of the group file
(h-relaynotes)").
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from peewee import Database

MARK_QUERY = "SELECT (SELECT MAX(rowid) FROM message), (SELECT id FROM message WHERE rowid = ?)"
SLACK = 1.0  # seconds: a note made this long before a reader's last read still counts


def inode(path: Path | str) -> int | None:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None  # gone: the store's session says so, in its words


class FileMark:
    """What a reader saw of its file last: its inode and the message at its position."""

    def __init__(self, path: Path | str) -> None:
        self.path = path
        self.inode = inode(path)
        self.rowid = -1  # the position `id` was read at (-1: none read yet)
        self.id: object = None
        self.read_at = time.time()  # when the mark was last checked
        self.rewound = False  # the last replacement told was the relay's rewind, not a file

    def moved(self) -> bool:
        """Another file is under the name now (a stat, no database read)."""
        now = inode(self.path)
        return now is not None and self.inode is not None and now != self.inode

    def replaced(self, db: Database, position: int) -> tuple[bool, int]:
        """(whether the file is not the one read up to `position`, its newest rowid now), read
        in the caller's session. The mark is taken again (the new file's, when replaced)."""
        read_at, self.read_at = self.read_at, time.time()
        newest, at = db.execute_sql(MARK_QUERY, (position,)).fetchone()
        newest = int(newest or 0)
        moved = self.moved()
        replaced = moved or newest < position or (self.rowid == position and at != self.id)
        self.rewound = replaced and not moved and _rewound(self.path, position, read_at - SLACK)
        self.inode = inode(self.path) if replaced else self.inode
        if replaced:
            self.note(db, newest)
        elif self.rowid != position:
            self.rowid, self.id = position, at
        return replaced, newest

    def note(self, db: Database, position: int) -> None:
        """Remember the message at `position` (read up to it), in the caller's session."""
        if position != self.rowid:
            row = db.execute_sql("SELECT id FROM message WHERE rowid = ?", (position,)).fetchone()
            self.rowid, self.id = position, (row[0] if row is not None else None)


def _rewound(path: Path | str, position: int, since: float) -> bool:
    """Whether the relay took the table below `position` since then (its notes: a rare look,
    only when a mark is gone, so not imported before)."""
    from peers_tui.core.relay_notes import rewound

    return rewound(path, position, since)


def reread_from(db: Database, printed: list[str], newest: bool = False) -> int | None:
    """Where a reader that printed `printed` (ids, the latest ones it printed) reads a file
    that replaced the one it read again from: the rowid, in the file now, of the oldest of them
    it holds (the rows after it that were not printed are the ones to print), or None when it
    holds none of them (a copy older than all: the reader goes on from its newest row).
    `newest`: the rowid of the newest of them instead (where a reader that just printed them
    goes on from: what was stored after its read is not passed over)."""
    if not printed:
        return None
    marks = ", ".join("?" * len(printed))
    row = db.execute_sql(f"SELECT {'MAX' if newest else 'MIN'}(rowid) FROM message"
                         f" WHERE id IN ({marks})", printed).fetchone()
    return int(row[0]) if row is not None and row[0] is not None else None
