"""The group stores the relay keeps open: at most CAP of them, the least recently used closed.

A store's connection is kept open because closing the last connection to a WAL file
checkpoints it (~3 ms each time) and the relay touches a busy file at every commit. But each
open connection holds its parsed schema and page cache, ~254 kB a file: a leaf of 200 groups
held 88-90 MB in its relay (docs/relay.md, "Eleventh acceptance pass"), over issue 15's 80
MB for relay and server. The groups that are busy fit in a few dozen; an idle one is opened
again when its file moves (a checkpoint then, once).

What depended on the closed connection is the scanner's to settle (`evict`): SQLite's
data_version is per connection, so a reopened one's cannot be compared with the old one's.
Closed memory goes back to glibc, not to the system: malloc_trim hands it back, at most
once every TRIM_EVERY seconds (it walks the heap: ~1 ms).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import ctypes.util
import os
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import peewee

from peers_tui.core.database.side_files import read_only
from peers_tui.core.errors import PeersError
from peers_tui.core.group_store import GroupStore
from peers_tui.relay.file_tokens import Token, data_version, settled, token, write_locked

DEFAULT_CAP = 24
TRIM_EVERY = 10.0


def cap_from_env() -> int:
    """PEERS_RELAY_OPEN_GROUPS (tests set it low); DEFAULT_CAP when unset or not a number >= 1."""
    try:
        return max(1, int(os.environ.get("PEERS_RELAY_OPEN_GROUPS", DEFAULT_CAP)))
    except ValueError:
        return DEFAULT_CAP


def _malloc_trim() -> Callable[[], None]:
    """glibc's malloc_trim(0), or nothing where there is none (musl, macOS)."""
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        trim = None
    if trim is None:
        return lambda: None
    return lambda: trim(0) and None


class KeptStores:
    """Group id -> its store, its connection held open; a mapping to read like a dict."""

    def __init__(self, evict: Callable[[str, Callable[[], object]], None],
                 busy: Callable[[str], bool], cap: int | None = None) -> None:
        self.cap = cap if cap is not None else cap_from_env()
        # Closes a store to make room (given the group and what closes it): the owner looks
        # at the store before, and at the file after.
        self.evict = evict
        self.busy = busy  # a store lent to another thread is never closed under it
        self.open: OrderedDict[str, tuple[GroupStore, Any]] = OrderedDict()
        self.evicted = 0  # closed to make room, since the start (status, tests)
        self.closed: set[str] = set()  # closed to make room, not opened again since
        self.most = 0  # the most open at once, since the start
        self._trim = _malloc_trim()
        self._trim_due = False
        self._trimmed_at = 0.0

    def __contains__(self, group_id: object) -> bool:
        return group_id in self.open

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.open))

    def __len__(self) -> int:
        return len(self.open)

    def __getitem__(self, group_id: str) -> GroupStore:
        return self.open[group_id][0]

    def get(self, group_id: str) -> GroupStore | None:
        """The store if it is open (it counts as used now), else None: never opened here."""
        kept = self.open.get(group_id)
        if kept is None:
            return None
        self.open.move_to_end(group_id)
        return kept[0]

    def store(self, group_id: str, path: Path) -> GroupStore:
        """The group's store, opened if it is not; another one closed if that makes too many."""
        store = self.get(group_id)
        if store is not None:
            return store
        store = GroupStore(path, group_id, lendable=True)  # background_apply.py
        # An outer connection context that stays entered: the store's sessions nest in it
        # and never close the connection (peewee closes when the outermost one ends).
        held = store.db.connection_context()
        held.__enter__()
        self.open[group_id] = (store, held)
        self.closed.discard(group_id)
        self._make_room(keep=group_id)
        self.most = max(self.most, len(self.open))  # over the cap only while stores are lent
        return store

    def _make_room(self, keep: str) -> None:
        for group_id in list(self.open):
            if len(self.open) <= self.cap:
                break
            if group_id == keep or self.busy(group_id):
                continue
            self.evict(group_id, functools.partial(self.pop, group_id))
            self.closed.add(group_id)
            self.evicted += 1
            self._trim_due = True
        self.trim()

    def trim(self) -> None:
        """Hand closed stores' memory back to the system, if due (see the module's doc)."""
        if self._trim_due and time.monotonic() - self._trimmed_at >= TRIM_EVERY:
            self._trim_due = False
            self._trimmed_at = time.monotonic()
            self._trim()

    def counts(self) -> dict[str, int]:
        """For `relay status --json`: open now, the most at once, the cap, closed to make room."""
        return {"open": len(self.open), "most": self.most, "cap": self.cap, "closed": self.evicted}

    def pop(self, group_id: str) -> GroupStore | None:
        """Close the group's store, if open (a file gone, damaged, or the relay stopping)."""
        self.closed.discard(group_id)
        kept = self.open.pop(group_id, None)
        if kept is None:
            return None
        store, held = kept
        held.__exit__(None, None, None)
        store.close()
        return store


def same_file(old: Token | None, new: Token | None) -> bool:
    """Whether two stat tokens name the same content: equal, or the same main file with an
    empty WAL or none (a read creates one empty, the last close deletes it: no frames)."""
    return old is not None and new is not None and (old == new or (
        old[:2] == new[:2] and old[3] == new[3] == 0))


def unchanged(remembered: Token | None, closed_at: Token | None, token: Token) -> bool:
    """Whether nothing was written to a file since the token `remembered` (its last look found
    every commit handled): the same token, old enough to be visible for sure (file times tick
    by the clock's coarse step, and a WAL reused from its start keeps its size, so a later
    write can leave a recent token as it was) or the one a clean close left (`closed_at`); or the same main file, old enough, with an empty WAL made
    or deleted since. A reader makes one (the link report's and the census's read-only
    counts), its close deletes it. Taken for a change, each such WAL had the scanner open the
    group's store, closing another, whose close deleted its WAL and woke the publisher for
    the next: ~140 looks of ~3 ms after each start of a relay of 200 groups (docs/relay.md,
    "Many groups and a rebuilt stream"). A clean close's token is trusted however recent, a
    reader's empty WAL beside it too: a recent one alone had a census count, 70 ms after the
    close, open the store again and close the one the relay had just committed to, whose
    reopening then took that commit for another process's (a census count after it)."""
    if same_file(closed_at, token):
        return True
    if remembered == token:
        return settled(token)
    return same_file(remembered, token) and settled(remembered)


def closed_clean(scanner: Any, group_id: str, close: Callable[[], object]) -> None:
    """A store of `scanner` (local.LocalScanner) closed to make room. data_version is per
    connection, so a file with nothing unhandled keeps its token instead: the one after the
    close (its last one checkpoints), if no write can hide in it (settled, or an empty WAL).
    Else the file is scanned again when opened. The check is made under the file's write
    lock, held until the close (`write_locked`): a commit of another process between the
    two went into the main file with the close's checkpoint, never scanned (docs/relay.md,
    "Two relay flakes traced (h-flake2)")."""
    store = scanner.stores[group_id]
    path, version = store.path, scanner.versions.pop(group_id, None)
    with write_locked(store) as locked:
        before = token(path)
        clean = (locked and same_file(scanner.tokens.get(group_id), before)
                 and version is not None and data_version(store) == version)
        close()  # rolls the empty transaction back, then checkpoints if it is the last
    after = token(path)
    if clean and after is not None and (settled(after) or after[3] == 0):
        scanner.tokens[group_id] = scanner.closed_at[group_id] = after


COUNT = ("SELECT (SELECT COUNT(*) FROM message WHERE rowid > ?)"
         " + (SELECT COUNT(*) FROM invite WHERE id > ?)")


@contextlib.contextmanager
def reading(store: GroupStore | None, path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to read the group file with: the kept one (no store session: binding
    every model cost more than a count), else one opened read-only for the read, which
    leaves the file as it was (the last read-write connection's close checkpoints it: its
    token moves and the scanner looks again) and the kept stores as they were (the link
    report and the census count groups nobody writes to: a store opened for each closed
    another, and the start of a relay of 200 groups took 60 % more CPU)."""
    if store is not None:
        yield store.db.connection()
        return
    connection = read_only(f"{path.resolve().as_uri()}?mode=ro", path, timeout=5.0)
    try:
        yield connection
    finally:
        connection.close()


def count_after(store: GroupStore | None, path: Path, message: int, invite: int) -> int:
    """Messages and invites stored after these positions, one query (`reading`)."""
    with reading(store, path) as connection:
        return int(connection.execute(COUNT, (message, invite)).fetchone()[0])


# Whose the unsent messages are (link_state.GroupSync.unsent_by): the rows past the sent
# position are few while the link is up, and the link report counts only a file that moved.
BY_AUTHOR = ("SELECT author, COUNT(*) FROM message WHERE rowid > ? AND typeof(author) = 'text'"
             " GROUP BY author ORDER BY COUNT(*) DESC LIMIT ?")


def unsent_by_author(scanner: Any, group_id: str, path: Path, message: int
                     ) -> tuple[tuple[str, int], ...] | None:
    """(author, count) of the messages stored after `message`, most first, only authors that
    look like user ids (the file is untrusted; the others count in the host's figure alone);
    None when the file cannot be read now (as LocalScanner.count_after)."""
    from peers_tui.core.link_state import MAX_REFUSED, USER_ID

    if group_id in scanner.lent:
        return None
    try:
        with reading(scanner.stores.get(group_id), path) as connection:
            rows = connection.execute(BY_AUTHOR, (message, MAX_REFUSED)).fetchall()
    except (PeersError, sqlite3.Error):
        return None
    return tuple((author, int(count)) for author, count in rows if USER_ID.fullmatch(author))


def kept_or_reopened(scanner: Any, path: Path, group_id: str) -> GroupStore | None:
    """The intake's store of a group: the kept one, opened again if it was closed to make
    room: the relay's own commits go through the connection whose data_version the scanner
    reads (note_applied), not one opened for the apply (a scan and a count would follow).
    Any other file not open (new, being made, taken away) is the scanner's to open first.
    (`scanner`: the relay's local.LocalScanner, which imports this module.)"""
    if (group_id not in scanner.stores.closed or group_id in scanner.damaged
            or not path.is_file()):
        return scanner.stores.get(group_id)
    try:
        return scanner.store(group_id, path)
    except (PeersError, sqlite3.Error, peewee.DatabaseError):
        return None  # apply_records opens it and says what is wrong
