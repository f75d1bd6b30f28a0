"""The parts the core was split into (issue 12), each with its own job, seen from outside."""

from __future__ import annotations

import threading

from peers_tui.core.account import Account
from peers_tui.core.ids import STEP_BYTES, new_ulid, ulid_after
from peers_tui.core.states import NotifyLevel
from tests.conftest import User


def test_one_store_per_group_whichever_thread_opens_it_and_all_closed_at_exit(alice: User, team):
    account = Account(alice.home, alice.hub)
    entry = account.resolve("team")
    found = []
    start = threading.Barrier(8)

    def open_store() -> None:
        start.wait()
        found.append(account.store(entry))

    threads = [threading.Thread(target=open_store) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(store) for store in found}) == 1  # one store, one set of caches
    store = found[0]
    account.close()  # closes what this thread holds open, and forgets every store
    assert store.db.is_closed()
    assert account.store(entry) is not store  # opened afresh after close()
    assert [m.body for m in account.log("team")[0]] == []  # and it works


def test_ulids_follow_the_previous_one_within_a_millisecond_and_never_overflow():
    ms = 1_700_000_000_000
    newest = (ms << 80) | ((1 << 80) - 5)  # the top of its millisecond
    step = 1 << (8 * STEP_BYTES)
    assert newest < ulid_after(ms, newest) <= newest + step
    assert newest < ulid_after(ms - 1, newest) <= newest + step  # posts: above every id stored
    # Not newest + 1: two hosts holding the same newest id must not make the same next one.
    assert len({ulid_after(ms, newest) for _ in range(20)}) == 20
    earlier = ulid_after(ms - 1, newest, same_ms_only=True)  # imports keep an older time
    assert earlier >> 80 == ms - 1
    top = (1 << 128) - 1
    assert ulid_after((1 << 48) - 1, top) < top  # nothing above the highest: a fresh one
    fresh = ulid_after(ms, None)
    assert fresh >> 80 == ms and new_ulid(ms) >> 80 == ms


def test_a_damaged_notify_level_reads_as_all():
    assert NotifyLevel.read("mute") is NotifyLevel.MUTE
    assert NotifyLevel.read("\x00junk") is NotifyLevel.ALL
    assert NotifyLevel.MUTE == "mute"  # stored and compared as the plain string
