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
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from peewee import Database

MARK_QUERY = "SELECT (SELECT MAX(rowid) FROM message), (SELECT id FROM message WHERE rowid = ?)"


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

    def moved(self) -> bool:
        """Another file is under the name now (a stat, no database read)."""
        now = inode(self.path)
        return now is not None and self.inode is not None and now != self.inode

    def replaced(self, db: Database, position: int) -> tuple[bool, int]:
        """(whether the file is not the one read up to `position`, its newest rowid now), read
        in the caller's session. The mark is taken again (the new file's, when replaced)."""
        newest, at = db.execute_sql(MARK_QUERY, (position,)).fetchone()
        newest = int(newest or 0)
        replaced = self.moved() or newest < position or (self.rowid == position and at != self.id)
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


def reread_from(db: Database, printed: list[str]) -> int | None:
    """Where a reader that printed `printed` (ids, the latest ones it printed) reads a file
    that replaced the one it read again from: the rowid, in the file now, of the oldest of them
    it holds (the rows after it that were not printed are the ones to print), or None when it
    holds none of them (a copy older than all: the reader goes on from its newest row)."""
    if not printed:
        return None
    marks = ", ".join("?" * len(printed))
    row = db.execute_sql(f"SELECT MIN(rowid) FROM message WHERE id IN ({marks})",
                         printed).fetchone()
    return int(row[0]) if row is not None and row[0] is not None else None
