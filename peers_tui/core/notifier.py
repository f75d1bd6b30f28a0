"""Change notification between processes: which watched group DBs have new commits.

Measured on this machine (DESIGN.md §2): inotify on the hub directory delivers in ~0.2 ms at
~0.1% CPU, where polling costs 7% of a core and watchfiles' debounce adds 0.4–1.5 s. But
inotify fires on each WAL write, and a commit writes several frames before it is visible (a
relay's apply: 6-10 writes over ~0.3 ms). So an event is confirmed by reading the database
about 0.3, 0.6, 1, 2 ... 16 ms after it (the writes in between are read at the next look, not
each on its own wake-up; a large commit's writes do not start the looks over: core.recheck_plan);
not at once, which found nothing and took the core from the writer
mid-commit (a relay's apply: 0.8 ms to commit with the app looking at once, 0.4 without). A
1 s sweep of the groups that had an event in the last few seconds is the safety net for a
commit that became visible later still (its writer preempted; core.sweep_plan). A group with
no event is not looked at: while nothing changes the thread sleeps in select() with no
timeout (200 groups swept every second were most of an idle app's cost). Without inotify, or
after its queue overflowed, every group is swept.

Two hazards shape the details:
- Readers must not look like writers: every connection that opens and closes a WAL database
  creates and deletes its -wal and -shm files, and an app reacting to that would wake itself
  for ever. Only writes to the DB and its WAL are events, and the sweep's stat token ignores
  an empty WAL.
- This process must never open and close a database's files itself: closing any descriptor
  of a file drops every POSIX lock the process holds on it, SQLite's included, and another
  process may then reset the -shm under our mapping (we saw SIGBUS). Confirmation therefore
  goes through a read-only SQLite connection, which SQLite itself keeps safe, held while the
  group is being written (until a sweep finds it quiet for READER_KEEP; core.held_readers):
  descriptors grow with the groups written in the last seconds, not with those watched.
  Opening one cost ~0.25 ms, at every message of a group written every few seconds.
"""

from __future__ import annotations

import contextlib
import os
import select
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from peers_tui.core.change_tokens import CONTENT_QUERY, Token, content_token, open_reader, stat_token
from peers_tui.core.folder_watch import FolderWatch
from peers_tui.core.held_readers import HeldReaders
from peers_tui.core.recheck_plan import RECHECK_DELAYS, RecheckPlan
from peers_tui.core.sweep_plan import SETTLE_SWEEPS, SweepPlan

INotify: Any = ...  # inotify_simple's, imported by the first notifier (ctypes: ~2.5 ms)
flags: Any = None  # the app builds its notifier after its first frame, so it need not wait


def _inotify_class() -> Any:
    global INotify, flags
    if INotify is ...:
        try:
            from peers_tui.core.inotify import INotify, flags
        except ImportError:  # not Linux: the sweep alone still delivers, only more slowly
            INotify = None
    return INotify


QUIET_BEFORE_LOOK = 0.001  # a look this close: the writes meanwhile wait for it (one wake-up)
READER_KEEP = 2.0
SWEEP_INTERVAL = 1.0
FALLBACK_SWEEP = 0.1
SUFFIXES = ("-wal", "-journal")


class ChangeNotifier:
    """Watches group DB files; `wait()` returns the ids of those that changed."""

    def __init__(self, sweep_interval: float = SWEEP_INTERVAL) -> None:
        self._paths: dict[str, Path] = {}
        self._queries: dict[str, str] = {}
        self._tokens: dict[str, Token | None] = {}  # None: not read yet
        self._stats: dict[str, Token] = {}
        # A file may be watched under several keys: personal.db holds the group list and the
        # personal group.
        self._by_file: dict[tuple[str, str], set[str]] = {}
        self._rechecks = RecheckPlan()  # when each written group is looked at again
        # A connection per group being written, closed by the sweep once the group was quiet
        # for READER_KEEP (`_last_event`): cheap checks, no descriptor per group watched.
        self._readers = HeldReaders()
        self._last_event: dict[str, float] = {}
        inotify = _inotify_class()
        self._inotify = inotify() if inotify is not None else None
        self._watched_dirs: dict[str, int] = {}
        self._folders = FolderWatch()  # directories watched for files arriving or leaving
        self._plan = SweepPlan(sweep_interval if self._inotify else min(sweep_interval, FALLBACK_SWEEP),
                               always=self._inotify is None, now=time.monotonic())
        # interrupt() writes here, so a thread blocked in wait() returns at once (app exit)
        # and an idle wait need not wake up just to check whether it should stop.
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self.interrupted = False
        # interrupt() and close() may run on different threads. Writing to a descriptor after
        # it was closed would write into whatever file reused its number: that once put an
        # "x" over the first byte of personal.db. The lock and the -1 marks prevent it.
        self._fd_lock = threading.Lock()

    def watch(self, group_id: str, path: Path, query: str = CONTENT_QUERY, *,
              read_now: bool = False) -> None:
        """Start reporting commits to `path` as changes of `group_id`: those that change what
        `query` (one row) reads; by default a group DB's messages, members and invites.
        `read_now`: what `query` reads is taken now, so that no first event is told as a change
        unless it changed (for a key whose change costs much, like the group list)."""
        path = Path(path)
        directory = str(path.parent)
        self._paths[group_id] = path
        self._queries[group_id] = query
        stat = self._stats[group_id] = stat_token(path)
        # Read now only if the WAL holds frames, which a reader's checkpoint could write into
        # the file (an event, no change). Else the first event is told as a change: at worst
        # one recount, where reading at start cost 200 connections for 200 groups.
        self._tokens[group_id] = (content_token(path, query=query)
                                  if read_now or stat[1] is not None else None)
        self._by_file.setdefault((directory, path.name), set()).add(group_id)
        if self._inotify is not None and directory not in self._watched_dirs:
            # MODIFY, not CLOSE_WRITE: every connection closes the -wal it opened for writing
            # even when it wrote nothing, and reacting to that would loop. The DB file itself
            # deleted or moved away is told too (_read_events): no write follows that, and a
            # quiet group is not swept (core.sweep_plan), so the app never said it was gone.
            mask = flags.MODIFY | flags.MOVED_TO | flags.DELETE | flags.MOVED_FROM
            self._watched_dirs[directory] = self._inotify.add_watch(directory, mask)

    def watch_folder(self, key: str, path: Path) -> None:
        """Also report `key` when a file is moved into `path` or leaves it (core.folder_watch)."""
        self._folders.add(key, path, self._inotify, flags)

    def unwatch(self, group_id: str) -> None:
        self._readers.close(group_id)
        path = self._paths.pop(group_id, None)
        self._queries.pop(group_id, None)
        self._tokens.pop(group_id, None)
        self._stats.pop(group_id, None)
        self._rechecks.forget(group_id)
        self._plan.unsettled.pop(group_id, None)
        self._last_event.pop(group_id, None)
        if path is not None:
            self._by_file.get((str(path.parent), path.name), set()).discard(group_id)

    @property
    def watched(self) -> list[str]:
        return list(self._paths)

    def interrupt(self) -> None:
        """Make wait() return now, and at once from then on (safe from any thread)."""
        self.interrupted = True
        with self._fd_lock:
            if self._wake_w >= 0:
                with contextlib.suppress(OSError):
                    os.write(self._wake_w, b"x")

    def close(self) -> None:
        self._readers.close_all()
        with self._fd_lock:
            if self._inotify is not None:
                self._inotify.close()
                self._inotify = None
            for fd in (self._wake_r, self._wake_w):
                if fd >= 0:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._wake_r = self._wake_w = -1

    def fileno(self) -> int | None:
        return self._inotify.fileno() if self._inotify is not None else None

    def _check(self, group_id: str, settle: bool = False) -> bool:
        """Confirm by reading: has anything been committed since the last look?

        The stat is taken before the read, and kept only once the read saw a change, or by
        the sweep (`settle`): a writer preempted between writing its commit to the WAL and
        publishing it in the WAL index leaves the files as they will stay while the re-checks
        still read the old content, and a stat kept then would blind the sweep to that commit
        for good (it showed only when the next message came)."""
        path = self._paths.get(group_id)
        if path is None:
            return False
        stat = stat_token(path)
        reader = None
        # Not for a file we may not write (asked when the reader opens: held_readers).
        if group_id in self._last_event:
            reader = self._readers.reader(group_id, path, stat)
        token = self._read_token(group_id, path, reader)
        if token != self._tokens.get(group_id):
            self._tokens[group_id] = token
            self._stats[group_id] = stat
            return True
        if settle:
            self._stats[group_id] = stat
        return False

    def _read_token(self, group_id: str, path: Path, reader: sqlite3.Connection | None) -> Token:
        return content_token(path, reader, self._queries.get(group_id, CONTENT_QUERY))

    def _sweep(self, group_id: str) -> bool:
        """The safety net: stat every file, and read only those whose stat moved."""
        path = self._paths.get(group_id)
        if path is None or stat_token(path) == self._stats.get(group_id):
            return False
        return self._check(group_id, settle=True)

    def _sweep_due(self, now: float) -> set[str]:
        plan = self._plan
        keys = plan.keys(self._paths, self._folders.paths)
        changed = {gid for gid in keys if gid in self._paths and self._sweep(gid)}
        changed |= self._folders.sweep(keys)
        plan.settle(changed)
        for gid in [g for g, at in self._last_event.items()
                    if now - at > READER_KEEP or g not in plan.unsettled]:
            del self._last_event[gid]  # quiet: its reader goes (the last settling sweep at latest)
            self._readers.close(gid)
        plan.schedule(now)
        return changed

    def _groups_of(self, directory: str, name: str) -> set[str]:
        if name.endswith("-shm"):
            return set()
        for suffix in SUFFIXES:
            if name.endswith(suffix):
                name = name[: -len(suffix)]
                break
        return self._by_file.get((directory, name), set())

    def wait(self, timeout: float | None = None) -> set[str]:
        """Block until at least one watched group changed (or `timeout` passes); return them."""
        deadline = None if timeout is None else time.monotonic() + timeout
        directories = {wd: d for d, wd in self._watched_dirs.items()}
        while True:
            now = time.monotonic()
            changed: set[str] = set()
            due = self._rechecks.due(now)
            if due and self._inotify is not None and self._rechecks.long_burst(now):
                # Writes not read while a large commit was written (below): they re-plan the
                # looks before these are taken.
                self._read_events(self._inotify.read(timeout=0), directories, changed)
                due = self._rechecks.due(now)
            for gid in due:
                if self._check(gid):
                    changed.add(gid)
                    self._rechecks.found(gid)
            self._rechecks.passed(now)
            if self._plan.next is not None and now >= self._plan.next:
                changed |= self._sweep_due(now)
            if changed:
                return changed
            wakes = [t for t in (self._rechecks.next(), self._plan.next, deadline)
                     if t is not None]
            if self.interrupted or (deadline is not None and now >= deadline):
                return set()
            delay = max(0.0, min(wakes) - now) if wakes else None  # None: until an event
            if self._wake_r < 0:
                return set()  # closed
            # A commit's frames: one look. A large commit being written (a backfill's page):
            # its writes wait for the next look, at most RECHECK_DELAYS[-1] away, and so do
            # other files' (nothing else can commit to that file meanwhile).
            soon = delay is not None and (delay < QUIET_BEFORE_LOOK
                                          or self._rechecks.long_burst(now))
            inotify = self._inotify if not soon else None
            watched = [self._wake_r] + ([inotify.fileno()] if inotify is not None else [])
            ready, _, _ = select.select(watched, [], [], delay)
            if self._wake_r in ready:
                with contextlib.suppress(OSError):
                    os.read(self._wake_r, 64)
            if self._inotify is None or self._inotify.fileno() not in ready:
                continue
            self._read_events(self._inotify.read(timeout=0), directories, changed)
            if changed:
                return changed

    def _read_events(self, events: list[Any], directories: dict[int, str],
                     changed: set[str]) -> None:
        """Plan looks at the groups `events` tell of; add to `changed` the folders they moved."""
        now = time.monotonic()
        for event in events:
            if event.mask & (flags.Q_OVERFLOW | flags.IGNORED):
                # Events were lost, or a watched directory went: sweep everything from
                # now on (what inotify no longer tells, the stat still does).
                self._plan.lost(now)
            key = self._folders.moved(event.wd, event.name)
            if key is not None:
                changed.add(key)
                self._plan.unsettle(key, now)
        # A commit writes several frames: looked at once, at the first re-check (not now).
        gone = flags.DELETE | flags.MOVED_FROM  # of the DB only: a reader's -wal goes at close
        touched = {group for event in events
                   if not (event.mask & gone and event.name.endswith(SUFFIXES + ("-shm",)))
                   for group in self._groups_of(directories.get(event.wd, ""), event.name)}
        for gid in touched:
            self._last_event[gid] = now
            self._rechecks.written(gid, now)
            self._plan.unsettle(gid, now)

__all__ = ["CONTENT_QUERY", "FALLBACK_SWEEP", "RECHECK_DELAYS", "SETTLE_SWEEPS", "SWEEP_INTERVAL",
           "ChangeNotifier", "Token", "content_token", "open_reader", "stat_token"]
