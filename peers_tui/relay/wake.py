"""Waking the publisher when a group file is written: inotify on the hub directory.

The relay would otherwise stat every group file every few milliseconds (2-3% of a core idle,
and half a poll interval added to every delivery). inotify tells it at once; a file written
in the last moments is still looked at again every few milliseconds (a WAL frame can be on disk
before readers see it committed), and a slow sweep catches anything missed. Without inotify
(not Linux) the sweep is the poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

# The slow sweep: inotify misses nothing short of a queue overflow (which wakes a look at
# once, `_readable`), so this is a safety net, 5 s apart: each look stats every group file
# (at 0.5 s, ~0.4 ms of CPU a second idle, R3; every 2 s with 200 groups, ~1 ms a look, a
# tenth of an idle hub relay's CPU: "Idle with many groups and leaves"); 0.5 s while the
# last look failed (a publish refused at a bound: the same records go again).
SWEEP = 5.0
RETRY = 0.5
# A recent write that may not be visible yet is looked at again after 0.5 ms, then 1, 2, 4,
# ... up to 64 ms between looks until it is old enough to be visible for sure
# (local.SETTLE_NS). Since a look that finds no other connection holding the write lock takes
# the file as seen (local._quiet_token), that is only while another writer is in the middle of
# a transaction; before, it was after every commit of every relay (its own applies included),
# six or seven looks each. The first soon: inotify wakes the relay at a commit's first frame,
# before the commit is visible.
SOON_FIRST = 0.0005
SOON_MAX = 0.064
# The scanner lists the hub directory again only when inotify says its entries moved (a group
# file made, moved in or out, deleted: `listing_due`), and this often all the same. Listing
# 200 group files (a glob, two stats a file) took ~2 ms of CPU, and it was done every second
# something asked (the status every 2 s, the sweep): half of an idle hub relay's CPU.
LIST_ANYWAY = 10.0


class Waker:
    def __init__(self, hub: Path) -> None:
        self.event = asyncio.Event()
        self.names: set[str] = set()  # the files written since the publisher last woke
        self.asked = False  # woken for no file (`wake`): only a look clears that
        self.soon = SOON_FIRST
        self.failing = False  # the last look did not finish (runner._publish_once)
        # A group file made or moved into the hub since the last look: the scanner's listing
        # (re-read at most once a second) must be read again before the look, or a group
        # founded within a second of the last listing waited for the sweep, up to 2 s, and a
        # `peers join` of it from another host in that time found it unknown.
        self.new_file = False
        self.entries_moved = 0.0  # when an event said a group file came or went (monotonic)
        self.inotify: Any = None
        self._arrived = self._left = self._written = self._modified = self._overflow = 0
        try:
            from peers_tui.core.inotify import INotify, flags

            self.inotify = INotify()
            self._arrived = flags.CREATE | flags.MOVED_TO
            self._left = flags.DELETE | flags.MOVED_FROM
            self._written = flags.MODIFY | flags.CREATE | flags.MOVED_TO | flags.CLOSE_WRITE
            self._modified = flags.MODIFY
            self._overflow = flags.Q_OVERFLOW
            self.inotify.add_watch(str(hub), self._written | self._left)
            asyncio.get_running_loop().add_reader(self.inotify.fileno(), self._readable)
        except (ImportError, OSError):
            self.inotify = None

    def _readable(self) -> None:
        events = self.inotify.read(timeout=0)
        # A WAL made or closed is no write: a reader makes one, empty (the link report's and
        # the census's read-only counts of a group whose store is closed: a look each, 800
        # after a start with 200 groups); a commit writes its frames (MODIFY).
        written = {e.name for e in events if e.mask & self._written and e.name.endswith(".db")
                   or e.mask & self._modified and e.name.endswith(".db-wal")}
        if any(e.mask & self._arrived and e.name.endswith(".db") for e in events):
            self.new_file = True
        if any(e.mask & (self._arrived | self._left) and e.name.endswith(".db")
               or e.mask & self._overflow for e in events):
            self.entries_moved = time.monotonic()
        if any(e.mask & self._overflow for e in events):  # events lost: look at every file
            self.wake()
        if written:
            self.names |= written
            self.event.set()

    def listing_due(self, listed: float) -> bool:
        """Whether the scanner's listing of the group files made at `listed` (monotonic)
        may be out of date: a group file came or went since (or without inotify: always)."""
        if self.inotify is None or time.monotonic() - listed > LIST_ANYWAY:
            return True
        self._readable()  # what the kernel has queued that the loop has not read yet
        return self.entries_moved >= listed

    def take_new_file(self) -> bool:
        """Whether a group file arrived since the last call (`new_file`), clearing it."""
        arrived, self.new_file = self.new_file, False
        return arrived

    def wake(self) -> None:
        self.asked = True
        self.event.set()

    def seen(self, path: Path) -> None:
        """Every write to `path` so far is handled (called with the file's write lock held and
        its commits all scanned or applied by this relay, local._quiet_token): the events of
        those writes wake nobody. A relay's own apply, and the later frames of a commit it
        has published, woke the publisher for a look that could only find nothing (~0.2 ms
        of CPU a message, with the wake-up). Writes to other files still wake it."""
        if self.inotify is None:
            return
        self._readable()  # what is queued in the kernel: before the lock was taken
        self.names -= {path.name, f"{path.name}-wal"}
        if not self.names and not self.asked:
            self.event.clear()

    def all_seen(self) -> bool:
        """Whether every write that woke the publisher was handled since (`seen`: by an apply
        it waited for), so that its look can find nothing; else what woke it is taken."""
        if not self.names and not self.asked:
            return True
        self.names.clear()
        self.asked = False
        return False

    async def wait(self, busy: bool) -> bool:
        """Until a group file is written, or briefly when `busy` (a recent write to look at
        again), or at most the sweep interval. True when woken by a write or `wake` (see
        `all_seen`), False when the time ran out."""
        if busy:
            timeout = self.soon
            self.soon = min(self.soon * 2, SOON_MAX)
        else:
            timeout = (RETRY if self.failing else SWEEP) if self.inotify is not None else 0.01
            self.soon = SOON_FIRST
        woken = False
        try:
            async with asyncio.timeout(timeout):  # no task a wait, as wait_for makes
                await self.event.wait()
            self.soon = SOON_FIRST  # a new write: its looks start again from the shortest
            woken = True
        except TimeoutError:
            pass
        self.event.clear()
        return woken

    def close(self) -> None:
        close_watch(self.inotify)


class FileWatch:
    """Wakes a waiter when a file is written or replaced (inotify on its directory): the hub
    relay's config, which `peers relay token` rewrites, was looked at every 0.5 s. Without
    inotify, `wait` is that look again."""

    def __init__(self, path: Path, appended: bool = False) -> None:
        """`appended`: a file written in place (a log), watched itself for its writes (its
        events carry no name); else its directory, for the file closed or moved in."""
        self.name = "" if appended else path.name
        self.event = asyncio.Event()
        self.inotify: Any = None
        try:
            from peers_tui.core.inotify import INotify, flags

            self.inotify = INotify()
            if appended:
                self.inotify.add_watch(str(path), flags.MODIFY)
            else:
                self.inotify.add_watch(str(path.parent), flags.CLOSE_WRITE | flags.MOVED_TO)
            asyncio.get_running_loop().add_reader(self.inotify.fileno(), self._readable)
        except (ImportError, OSError):
            self.inotify = None

    def _readable(self) -> None:
        if any(e.name == self.name for e in self.inotify.read(timeout=0)):
            self.event.set()

    async def wait(self, fallback: float, longest: float) -> None:
        """Until the file is written (at most `longest` s), or `fallback` s without inotify."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.event.wait(),
                                   longest if self.inotify is not None else fallback)
        self.event.clear()

    def close(self) -> None:
        close_watch(self.inotify)


def close_watch(inotify: Any) -> None:
    """Stop reading an inotify handle on the running loop and close it (None: nothing to do)."""
    if inotify is not None:
        with contextlib.suppress(Exception):
            asyncio.get_running_loop().remove_reader(inotify.fileno())
        inotify.close()
