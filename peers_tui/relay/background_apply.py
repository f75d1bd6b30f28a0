"""A backfill page's apply, on a thread of the walk's own at a lower priority.

The apply of a page (its checks, rows, full-text index and commit) is most of a walk's CPU.
On the event loop it ran at the relay's full priority, so a user's app on the joining host
waited for a core behind it (R6a, the composer's echo during a backfill). Here it runs on
one thread (pages stay in order) at nice 10, as the signature checks ahead of it do
(walk_priority.py), while the loop waits for it under the relay's lock: live records and
scans, which need that lock, wait as they did; the loop stays free for what needs none.

The page commits on the relay's kept connection of the file, lent to the thread (its store
is opened `lendable`, the only connections without sqlite3's same-thread check): the relay
tells its own commits from other processes' by that connection's `data_version`, which a
commit on another connection would move (local.LocalScanner.note_applied). While it is lent
nothing else touches it: scans and applies wait for the lock, and the link report's counts,
which take no lock, wait for the next count (LocalScanner.count_after).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from peers_tui.relay import walk_priority

if TYPE_CHECKING:
    from peers_tui.relay.local import LocalScanner

_applier: ThreadPoolExecutor | None = None


async def in_background(work: Callable[[], Any]) -> Any:
    """`work()` on the walk's own thread, at its lower priority. If the waiting task is
    cancelled (the relay stopping), the work is waited for all the same before the
    cancellation goes on: the lock it holds must not be released while the lent connection
    is still in the thread's transaction."""
    global _applier
    if _applier is None:
        _applier = ThreadPoolExecutor(max_workers=1, thread_name_prefix="peers-backfill",
                                      initializer=walk_priority.in_background_walk)
    future = asyncio.get_running_loop().run_in_executor(_applier, work)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        await asyncio.wait([future])
        raise


def shutdown() -> None:
    """No more pages: the queued ones are dropped, the one under way ends (`drained`)."""
    global _applier
    if _applier is not None:
        _applier.shutdown(wait=False, cancel_futures=True)
        _stopped.append(_applier)
        _applier = None


_stopped: list[ThreadPoolExecutor] = []


async def drained(timeout: float) -> None:
    """Wait (at most `timeout` s) for the page under way when the walk was stopped: the
    relay's stop waits for its tasks 2 s only, and closing the kept connection under the
    thread's transaction logged "Cannot operate on a closed database" (a page of a nice-10
    thread at load 20 took longer; test_relay_backfill_priority failed on it). A thread
    started after the walks' cancel (a walk resumed in the stop's 2 s: the same log line in
    the fresh-clone CI at b25a695) is stopped and waited for too."""
    shutdown()
    while _stopped:
        executor = _stopped.pop()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.to_thread(executor.shutdown, wait=True), timeout)


def lent(scanner: LocalScanner, group_id: str, work: Callable[[], Any]) -> Callable[[], Any]:
    """`work` to run on another thread with the group's kept connection, lent while this
    thread waits: its commit counts as the relay's own (`note_applied`), not as another
    process's, which would have the file's new rows scanned again (a page each time)."""
    store = scanner.stores.get(group_id)
    if store is None or store.file.db.is_closed():
        return work
    store.genesis()  # a session of its own first (GroupFile.lent_to_this_thread); once, cheap
    conn = store.file.db.connection()

    def on_the_kept_connection() -> Any:
        scanner.lent.add(group_id)
        try:
            with store.file.lent_to_this_thread(conn):
                return work()
        finally:
            scanner.lent.discard(group_id)

    return on_the_kept_connection
