"""Checking every message of a group file at scale, with the reader's own rules.

`peers verify` must get through a million messages in well under a minute. The rules are not
here: each window of rows goes to `HistoryReader.problems` (core/history.py), the same code
that decides what the log shows, so a rule added there applies to verify at once. This module
only decides how rows reach those rules:

- rows are read with a plain cursor as light named tuples (core.window_rows), in windows of
  consecutive rowids, which SQLite reads in file order; a row holding a value of another SQL
  type than its column declares is converted by the model's own fields, and text is decoded,
  exactly as the reader's model rows are;
- no display views are built (reply previews, display text);
- on a large file the windows are judged in worker processes, one per core: the Ed25519
  check of each signature is most of the cost and PyNaCl holds the GIL while it runs. The
  workers receive the roster this process verified, so every window is judged against the
  same membership state; each opens its own connection to the file.

Problems come back in message-id order, as the reader would list them.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.connection
import os
import signal
import sqlite3
import threading
from array import array
from collections.abc import Callable, Iterator
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from peewee import Model, PeeweeException

from peers_tui.core.encoding import use_openssl_sha256
from peers_tui.core.history import HistoryReader
from peers_tui.core.identity import remember_verified
from peers_tui.core.kinds import RecordKind
from peers_tui.core.membership import Roster
from peers_tui.core.opened_records import (
    LIMIT as OPENED_LIMIT, forget as forget_opened, open_message,
)
from peers_tui.core.records import RecordError
from peers_tui.core.views import Problem
from peers_tui.core.window_rows import StoredRow, read_window

if TYPE_CHECKING:
    from peers_tui.core.group_file import GroupFile

# Rows per unit of work: a query per window costs little beside it, and a window's records
# all stay among those core.opened_records keeps (see WindowJudge.__call__).
WINDOW = OPENED_LIMIT - 24
PARALLEL_FROM = 10_000   # fewer rows than this are checked in this process (no worker start-up)
MAX_WORKERS = 8
GC_YOUNG = 20_000  # a worker's threshold of young objects for a collection (_start_worker)
# progress(rows checked so far, rows in all): called after each window.
Progress = Callable[[int, int], None]
Found = list[tuple[int, str, str]]  # (rowid, where, reason)


class WindowJudge:
    """Judges windows of one group file against one verified roster, in one process."""

    def __init__(self, store: GroupFile, roster: Roster) -> None:
        self.store = store
        self.reader = HistoryReader(roster, store.group_id)

    def __call__(self, bounds: tuple[int, int]) -> Found:
        """The problems among the messages (not edits or deletions) stored at rowids lo..hi."""
        with self.store.session():
            try:
                rows = read_window(self.store.db, bounds)
                self._open(rows)
                return [(row.rowid, where, reason)
                        for row, where, reason in self.reader.problems(rows)]
            finally:
                # Kept, a window's records were evicted by the next window's, one a row, cold
                # (~12 % of a row's CPU): let go at once (docs/performance.md, h-verify2).
                forget_opened()

    def _open(self, rows: list[StoredRow]) -> None:
        """Open the window's records before the rules judge them. The rules build each row's
        chain from the texts at the places before it (most of them this window's own rows)
        before they open the rows themselves, and took a text's hash and signed time by
        parsing and hashing it there a second time; a text opened here is found by both. A
        record that does not open is left to the rules, which say why."""
        group_id = self.reader.group_id
        for row in rows:
            try:
                open_message(row.record, row.sig, group_id=group_id, kind=RecordKind.MSG)
            except RecordError:
                pass


def check_messages(store: GroupFile, roster: Roster, progress: Progress | None = None,
                   workers: int | None = None,
                   meanwhile: Callable[[], None] | None = None,
                   failed: set[int] | None = None,
                   last_row: int | None = None) -> list[Problem]:
    """Every message of `store` that is not genuine, in id order, by the reader's rules.

    `workers`: processes to judge in (None: one per core when the file is large, else none).
    `meanwhile`: work of this process's own (core.audit's whole-file checks), run once while
    the workers judge the windows: otherwise it waited for them, a core idle, and they for it.
    `failed` is given the rowids of the rows named (core.audit asks which of them hold their
    place: every other row judged here is genuine, so it does).
    `last_row`: rows stored after it (after `roster` was read) are not judged here."""
    if workers is None:
        workers = _default_workers(_stored_count(store))
    judge = WindowJudge(store, roster)
    pool = _pool(judge, workers) if workers else None
    try:
        if pool is not None:
            # Spawned workers take ~0.5 s each to import peers: they start now, while this
            # process reads the ids below, not after it.
            try:
                pool.submit(int)
            except (BrokenExecutor, OSError):  # no workers: everything is judged here
                pool.shutdown(wait=False, cancel_futures=True)
                pool = None
        order = _rowids_in_id_order(store, last_row)
        windows = list(_windows(order))
        count = len(order)
        found: Found = []
        done = 0
        pending = [meanwhile] if meanwhile is not None else []

        def once() -> None:
            while pending:
                pending.pop()()

        for window, result in zip(windows, _judged(windows, judge, pool, once)):
            found.extend(result)
            done += window[2]
            if progress is not None:
                progress(done, count)
        once()  # a file without messages has no window to wait for
        if failed is not None:
            failed.update(rowid for rowid, _, _ in found)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return [Problem(where, reason) for _, where, reason in _in_id_order(found, order)]


def _stored_count(store: GroupFile) -> int:
    with store.session():
        return int(store.db.execute_sql("SELECT COUNT(*) FROM message").fetchone()[0])


def _rowids_in_id_order(store: GroupFile, last_row: int | None = None) -> array:
    """Every row's rowid (up to `last_row`) in message-id order, read from the id index alone
    (no table pages)."""
    last = 2**63 - 1 if last_row is None else last_row  # kept out of the SQL: the plan stays
    with store.session():  # the id index's scan whatever the planner makes of a rowid bound
        cursor = store.db.execute_sql("SELECT rowid FROM message ORDER BY id")
        order = array("q")
        while batch := cursor.fetchmany(50_000):
            order.extend(rowid for (rowid,) in batch if rowid <= last)
    return order


def _windows(order: array) -> Iterator[tuple[int, int, int]]:
    """(first rowid, last rowid, rows) of runs of WINDOW consecutive stored rows."""
    ordered = sorted(order)
    for start in range(0, len(ordered), WINDOW):
        chunk = ordered[start:start + WINDOW]
        yield chunk[0], chunk[-1], len(chunk)


def _in_id_order(found: Found, order: array) -> Found:
    if len(found) < 2:
        return found
    wanted = {rowid for rowid, _, _ in found}
    position = {rowid: index for index, rowid in enumerate(order) if rowid in wanted}
    return sorted(found, key=lambda item: position.get(item[0], -1))


def _default_workers(count: int) -> int:
    if count < PARALLEL_FROM:
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    workers = min(cores or 1, MAX_WORKERS)
    return workers if workers >= 2 else 0


def _judged(windows: list[tuple[int, int, int]], judge: WindowJudge, pool: Executor | None,
            meanwhile: Callable[[], None]) -> Iterator[Found]:
    """Each window's problems, in the order of `windows`; in the pool's workers if there is
    one and it works. `meanwhile` is called once the windows went to the workers."""
    finished = 0
    if pool is not None:
        try:
            results = pool.map(_judge_in_worker, [(low, high) for low, high, _ in windows])
            meanwhile()
            for result in results:
                finished += 1
                yield result
        except BrokenExecutor:  # a worker could not start or died: finish the rest here
            pass
        else:
            return
    meanwhile()
    for low, high, _ in windows[finished:]:
        yield judge((low, high))


def _pool(judge: WindowJudge, workers: int) -> Executor | None:
    store = judge.store
    try:
        # spawn, not fork: a forked child would inherit this process's open SQLite connections.
        return ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker,
            initargs=(str(store.path), store.group_id, store.models, judge.reader.roster))
    except (OSError, ValueError):
        return None


_WORKER_JUDGE: WindowJudge | None = None
_WORKER_CONNECTION = ExitStack()  # held until the worker exits


def _start_worker(path: str, group_id: str, models: tuple[type[Model], ...],
                  roster: Roster) -> None:
    from peers_tui.core.group_file import GroupFile

    # Ctrl-C is the parent's to handle (it stops the pool); workers would only print tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A parent killed outright stops no pool: its workers, each holding the queue's other end,
    # waited for work forever. They leave with it.
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()
    # A worker checks each record once: nothing to remember, and every text to hash.
    remember_verified(False)
    use_openssl_sha256()
    # A window's objects die with it and make no cycles (none found after 30 windows), yet
    # a collection every ~700 allocations walked them: ~3 us of a row's ~115 (365 collections
    # in 30,000 rows). The modules imported stay out of it (freeze), and a collection comes
    # only when 20,000 more objects live than before: none at all in those 30 windows.
    gc.freeze()
    gc.set_threshold(GC_YOUNG)
    global _WORKER_JUDGE
    # The same models as the parent's store: the personal group lives in personal.db.
    _WORKER_JUDGE = WindowJudge(GroupFile(Path(path), group_id, models=models), roster)
    # One connection for all the windows this worker judges (each window's session nests in
    # it): opening one per window, with its PRAGMAs, cost ~1 % of the work. A file that cannot
    # be opened now is left to the sessions, which say why.
    try:
        _WORKER_CONNECTION.enter_context(_WORKER_JUDGE.store.db.connection_context())
    except (sqlite3.Error, PeeweeException, OSError):
        pass


def _exit_with(parent_sentinel: int) -> None:
    multiprocessing.connection.wait([parent_sentinel])
    os._exit(1)


def _judge_in_worker(bounds: tuple[int, int]) -> Found:
    assert _WORKER_JUDGE is not None, "worker started without its initializer"
    return _WORKER_JUDGE(bounds)


__all__ = ["PARALLEL_FROM", "Progress", "WindowJudge", "check_messages"]
