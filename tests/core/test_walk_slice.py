"""A backfill's busy threads ask the scheduler for a short slice while the walk runs
(relay/walk_slice.py): the relay's event loop from the walk's start to its end, and the
threads checking the pages' signatures; afterwards the loop has the kernel's own slice again."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from peers_tui.relay import signatures, walk_slice
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
    if shown is None or not walk_slice.set_own_slice(walk_slice.DEFAULT):
        pytest.skip("this kernel does not show or take a thread's own slice (Linux 6.6+)")


class _HubDown:
    """A hub that cannot be asked anything: the walk stops at its first question."""

    async def stream_info(self, *args: object, **kwargs: object) -> None:
        raise ConnectionError("the hub is down")


def test_the_walk_runs_on_a_short_slice_and_gives_it_back(tmp_path: Path, alice: User, team: str):
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
    assert seen == [walk_slice.WALK_SLICE_NS, default]
    assert default != walk_slice.WALK_SLICE_NS


def test_the_signature_checkers_run_on_a_short_slice():
    _needs_slices()
    signatures.shutdown()
    try:
        assert signatures._executor().submit(own_slice).result() == walk_slice.WALK_SLICE_NS
    finally:
        signatures.shutdown()
