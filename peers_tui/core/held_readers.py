"""The read-only connections the change notifier (core.notifier) confirms a commit through,
one per group being written, by group id.

Separate from the notifier's timing (when to look, what to sweep) because it carries the
hazard of its own: this process must never open and close a database's files itself (closing
any descriptor of a file drops every POSIX lock the process holds on it, SQLite's included,
and another process may then reset the -shm under our mapping: SIGBUS). A read-only SQLite
connection, which SQLite keeps safe, is held while the group is being written and closed once
it is quiet: descriptors grow with the groups written lately, not with those watched, and a
look costs no open (~0.25 ms each).
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from peers_tui.core.change_tokens import Token, open_reader
from peers_tui.core.database.files import unwritable_reason


class HeldReaders(dict[str, sqlite3.Connection]):
    """The connection held for each group being written, and the file (inode) it has open."""

    def __init__(self) -> None:
        super().__init__()
        self._inodes: dict[str, int | None] = {}

    def reader(self, group_id: str, path: Path, stat: Token) -> sqlite3.Connection | None:
        """The group's connection, opened now if none is held (None if it cannot be). One
        held on another file than `stat` names (another one renamed in) is blind: it goes."""
        inode = stat[0][0] if isinstance(stat[0], tuple) else None
        if self._inodes.get(group_id, inode) != inode:
            self.close(group_id)
        reader = self.get(group_id)
        # Not for a file we may not write: that is read `immutable`, a snapshot that would
        # hide the very commit the re-checks wait for. Asked here, as the reader opens, not
        # at every look (a backfill's page is looked at ~8 times: an lstat, a statvfs and an
        # access each time). One opened before the file turned read-only still sees commits.
        if reader is None and unwritable_reason(path) is None:
            with contextlib.suppress(sqlite3.Error):
                reader = self[group_id] = open_reader(path)
                self._inodes[group_id] = inode
        return reader

    def close(self, group_id: str) -> None:
        reader = self.pop(group_id, None)
        self._inodes.pop(group_id, None)
        if reader is not None:
            with contextlib.suppress(sqlite3.Error):
                reader.close()

    def close_all(self) -> None:
        for group_id in list(self):
            self.close(group_id)
