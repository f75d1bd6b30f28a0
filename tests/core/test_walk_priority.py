"""A backfill's busy threads (relay/walk_priority.py): the threads that check the pages'
signatures run at a lower priority, and neither they nor the relay's event
loop ask the scheduler for a short slice. They used to (0.1 ms), which under EEVDF gave them
the earliest deadlines and the core before the user's app waking for a key: the composer's
echo during a backfill was 1.68-1.83x its idle echo, and 1.20-1.21x without it."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest

from peers_tui.relay import signatures, walk_priority
from peers_tui.relay.backfill import Backfills
from peers_tui.relay.ledger import Ledger
from tests.conftest import User
from tests.core.test_relay_backfill_apply import joining_host


def own_slice() -> int | None:
    """The calling thread's scheduler slice in ns, as the kernel reports it (None: not shown)."""
    with open(f"/proc/self/task/{threading.get_native_id()}/sched") as handle:
        for line in handle:
            if line.startswith("se.slice"):
                return int(line.split(":")[1])
    return None


def _needs_slices() -> None:
    try:
        shown = own_slice()
    except OSError:
        shown = None
    if shown is None:
        pytest.skip("this kernel does not show a thread's slice (Linux 6.6+)")


class _HubDown:
    """A hub that cannot be asked anything: the walk stops at its first question."""

    async def stream_info(self, *args: object, **kwargs: object) -> None:
        raise ConnectionError("the hub is down")


def test_the_walk_leaves_the_loop_on_the_kernel_s_own_slice(tmp_path: Path, alice: User, team: str):
    _needs_slices()
    here, store, _ = joining_host(tmp_path, alice, team)
    store.close()
    default = own_slice()
    seen: list[int | None] = []

    async def nothing(group_id: str, envelopes: list[object], then: object = None) -> None:
        pass

    async def walk() -> None:
        backfills = Backfills(here, _HubDown(), nothing, Ledger(tmp_path / "ledger.db"),
                              asyncio.Lock(), lambda what: None,
                              progress=lambda group_id, oldest, share: seen.append(own_slice()))
        with pytest.raises(ConnectionError):
            await backfills._walk(team)
        seen.append(own_slice())

    asyncio.run(walk())
    assert seen == [default, default]


def own_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_the_walk_s_own_threads_run_at_a_lower_priority_on_the_kernel_s_slice():
    _needs_slices()
    default = own_slice()
    before = own_nice()  # (a suite run under `nice` starts above 0)
    signatures.shutdown()
    try:
        checker = signatures._executor().submit(lambda: (own_slice(), own_nice())).result()
    finally:
        signatures.shutdown()
    lower = max(walk_priority.BACKGROUND_NICE, before)
    assert checker == (default, lower), (checker, default)
    assert own_nice() == before  # this thread, as it was: only the checker's own went down
