"""The files SQLite makes beside a database (-wal, -shm, a rollback -journal) born with the
database's own mode, so that no other user of a shared hub finds one narrower for a moment.

SQLite makes a missing one with open(O_CREAT) and the database's mode, which the process
umask narrows (0660 becomes 0640 under the usual 022), and only then sets the mode (fchmod)
and, run by root, the owner (fchown). A connection of another member of the hub's group that
opens it read-write in between is refused, and SQLite then opens it read-only without a word:
that connection reads, but every write of it fails "attempt to write a readonly database".
Seen: leaf B's relay (root) opened the file dana was founding in `peers dm` while she opened
its WAL (docs/relay.md, "The dm refused read-only, its cause (h-dmcause)").

So while a connection opens (and its pragmas open the WAL), the umask spares the bits of the
database's mode. The umask is the process's: one lock keeps two openings from restoring each
other's, and a file another thread makes in that moment with a mode asking for those bits
gets them (peers sets the mode of what it makes in a hub itself: fchmod, `create_file`).
"""

from __future__ import annotations

import _thread
import os
import sqlite3

_HELD = _thread.allocate_lock()
_holder = [0]  # the thread inside one now (one inside another keeps the outer's umask)
_seen = [0o022]  # the umask found last time: the guess that saves setting it twice


class BornWithItsMode:
    """`with BornWithItsMode(path):` around opening a connection to the existing `path`."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = path
        self.old: int | None = None

    def __enter__(self) -> BornWithItsMode:
        try:
            mode = os.stat(self.path).st_mode & 0o777
        except OSError:
            return self  # no file: SQLite says so, and makes nothing beside it
        if not mode & 0o077 or _holder[0] == _thread.get_ident():
            return self  # the owner's alone (personal.db), or inside another opening here
        _HELD.acquire()
        _holder[0] = _thread.get_ident()
        guess = _seen[0]
        self.old = os.umask(guess & ~mode)  # (the only way to read it is to set it)
        if self.old != guess:  # the program set another one since: from that one, then
            _seen[0] = self.old
            os.umask(self.old & ~mode)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.old is not None:
            os.umask(self.old)
            self.old = None
            _holder[0] = 0
            _HELD.release()


def read_only(uri: str, path: str | os.PathLike[str], *, timeout: float) -> sqlite3.Connection:
    """`sqlite3.connect(uri)` for a plain reader of `path` (a `mode=ro` URI): its first read
    makes the -wal and -shm too when nobody else has the file open, so that read is made
    here, inside BornWithItsMode (its failure is left to the caller's own read to say)."""
    with BornWithItsMode(path):
        conn = sqlite3.connect(uri, uri=True, timeout=timeout)
        try:
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        except sqlite3.Error:
            pass
        return conn
