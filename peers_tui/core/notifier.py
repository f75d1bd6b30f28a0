"""Change notification between processes: which watched group DBs have new commits.

Measured on this machine (DESIGN.md §2): inotify on the hub directory delivers in ~0.2 ms at
~0.1% CPU, where polling costs 7% of a core and watchfiles' debounce adds 0.4–1.5 s. But
inotify fires on the WAL write, and in 1–3% of commits that is *before* the commit is
visible. So each event is confirmed against a change token, re-checked at about 1, 2, 4, 8
and 16 ms, and a 1 s sweep of every token is the safety net for anything missed.

The token needs no open connection, so file descriptors do not grow with the number of
groups: it is read from the WAL-index header at the start of the -shm file, which SQLite
rewrites at every commit, exactly when the commit becomes visible (its change counter, frame
count and salts), or from the DB file's stat when the WAL is empty or gone.

Readers must not look like writers: every connection that opens and closes a WAL database
creates and deletes the -wal and -shm files, and an app reacting to that would wake itself
for ever. So only writes to the DB and its WAL are events, and the token ignores a WAL that
holds no frames.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

try:
    from inotify_simple import INotify, flags
except ImportError:  # not Linux: the sweep alone still delivers, only more slowly
    INotify = None  # type: ignore[assignment,misc]

RECHECK_DELAYS = (0.001, 0.002, 0.004, 0.008, 0.016)
SWEEP_INTERVAL = 1.0
FALLBACK_SWEEP = 0.1
SUFFIXES = ("-wal", "-journal")
Token = tuple[object, ...]


def _stat(path: str) -> tuple[int, int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


def change_token(path: Path) -> Token:
    """A value that changes whenever a commit to the DB at `path` becomes visible."""
    name = str(path)
    try:
        with open(name + "-shm", "rb") as handle:
            header = handle.read(48)  # the first copy of the WAL-index header
    except OSError:
        header = b""
    if len(header) == 48 and int.from_bytes(header[16:20], sys.byteorder):
        # iChange (commits), mxFrame and nPage, and the salts (new at every WAL reset)
        return "wal", header[8:12], header[16:24], header[32:40]
    return "db", _stat(name)


class ChangeNotifier:
    """Watches group DB files; `wait()` returns the ids of those that changed."""

    def __init__(self, sweep_interval: float = SWEEP_INTERVAL) -> None:
        self._paths: dict[str, Path] = {}
        self._tokens: dict[str, Token] = {}
        self._by_file: dict[tuple[str, str], str] = {}
        self._rechecks: dict[str, list[float]] = {}
        self._inotify = INotify() if INotify is not None else None
        self._watched_dirs: dict[str, int] = {}
        self._sweep_interval = sweep_interval if self._inotify else min(sweep_interval, FALLBACK_SWEEP)
        self._next_sweep = time.monotonic() + self._sweep_interval

    def watch(self, group_id: str, path: Path) -> None:
        """Start reporting commits to `path` as changes of `group_id`."""
        path = Path(path)
        directory = str(path.parent)
        self._paths[group_id] = path
        self._tokens[group_id] = change_token(path)
        self._by_file[(directory, path.name)] = group_id
        if self._inotify is not None and directory not in self._watched_dirs:
            mask = flags.MODIFY | flags.CLOSE_WRITE | flags.MOVED_TO
            self._watched_dirs[directory] = self._inotify.add_watch(directory, mask)

    def unwatch(self, group_id: str) -> None:
        path = self._paths.pop(group_id, None)
        self._tokens.pop(group_id, None)
        self._rechecks.pop(group_id, None)
        if path is not None:
            self._by_file.pop((str(path.parent), path.name), None)

    @property
    def watched(self) -> list[str]:
        return list(self._paths)

    def close(self) -> None:
        if self._inotify is not None:
            self._inotify.close()
            self._inotify = None

    def fileno(self) -> int | None:
        return self._inotify.fileno() if self._inotify is not None else None

    def _check(self, group_id: str) -> bool:
        path = self._paths.get(group_id)
        if path is None:
            return False
        token = change_token(path)
        if token != self._tokens.get(group_id):
            self._tokens[group_id] = token
            return True
        return False

    def _group_of(self, directory: str, name: str) -> str | None:
        if name.endswith("-shm"):
            return None
        for suffix in SUFFIXES:
            if name.endswith(suffix):
                name = name[: -len(suffix)]
                break
        return self._by_file.get((directory, name))

    def wait(self, timeout: float | None = None) -> set[str]:
        """Block until at least one watched group changed (or `timeout` passes); return them."""
        deadline = None if timeout is None else time.monotonic() + timeout
        directories = {wd: d for d, wd in self._watched_dirs.items()}
        while True:
            now = time.monotonic()
            changed = {gid for gid, due in self._rechecks.items() if due and due[0] <= now
                       and self._check(gid)}
            for gid in list(self._rechecks):
                due = [t for t in self._rechecks[gid] if t > now]
                if due:
                    self._rechecks[gid] = due
                else:
                    del self._rechecks[gid]
            if now >= self._next_sweep:
                changed.update(gid for gid in list(self._paths) if self._check(gid))
                self._next_sweep = now + self._sweep_interval
            if changed:
                return changed
            wake = min([self._next_sweep] + [d[0] for d in self._rechecks.values()]
                       + ([deadline] if deadline is not None else []))
            if deadline is not None and now >= deadline:
                return set()
            delay = max(0.0, wake - now)
            if self._inotify is None:
                time.sleep(delay)
                continue
            events = self._inotify.read(timeout=int(delay * 1000) + (1 if delay > 0 else 0))
            now = time.monotonic()
            for event in events:
                gid = self._group_of(directories.get(event.wd, ""), event.name)
                if gid is None:
                    continue
                if self._check(gid):
                    changed.add(gid)
                self._rechecks[gid] = [now + delay_ for delay_ in RECHECK_DELAYS]
            if changed:
                return changed
