"""The publisher's waker (relay/wake.py) with the scanner (relay/local.py), on real files and
inotify, without any transport: the writes the relay has handled wake no look, and every
other write still wakes one."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from peers_tui.core.group_store import GroupStore
from peers_tui.core.identity import load_or_create_keypair
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.ledger import Ledger
from peers_tui.relay.local import LocalScanner
from peers_tui.relay import wake
from peers_tui.relay.wake import Waker
from tests.core.test_relay_scanner import (
    _apply_as_relay, _host_without_bobs_last, _publish_everything,
)


# How long the set-up's wait for the waker's first wake-up may run (the waker's sweep, 5 s,
# set this before): no write comes then (the set-up's were made before the waker's watch, and
# a scan writes nothing), so the wait ran the whole sweep, 6 x 5 s of a CPU worker's wall
# (docs/performance.md, "Test suite time, eleventh pass"). Its inotify events cannot come
# late: the kernel queues them at each write, and `settle` has the loop read them. What the
# time does do is age the set-up's writes past every age the scanner tells recent writes
# by (stat_token.SETTLE_NS 0.1 s, file_tokens.LOCKLESS_NS 1 s, the listing's 1 s), so the
# tests start from the same state as before; only the kept stores' trim (10 s) lies beyond,
# and 5 s did not reach it either.
PAST_EVERY_AGE = 1.2


async def settle() -> None:
    """Time for inotify's events to reach the loop (the waker reads them there)."""
    for _ in range(5):
        await asyncio.sleep(0.01)


@asynccontextmanager
async def relay_host(tmp_path: Path, alice, bob
                     ) -> AsyncIterator[tuple[str, Path, Envelope, Ledger, LocalScanner, Waker]]:
    """A host's file, its relay's ledger, scanner and waker wired as the runner wires them,
    this host's records published and the waker's first wake-up taken."""
    group_id, remote, withheld = _host_without_bobs_last(tmp_path, alice, bob)
    ledger = Ledger(tmp_path / "relay.db")
    scanner = LocalScanner(remote, "B", ledger)
    waker = Waker(remote)
    scanner.handled = waker.seen
    try:
        assert waker.inotify is not None  # Linux: the tests are about its events
        _publish_everything(scanner)
        await settle()
        sweep, wake.SWEEP = wake.SWEEP, PAST_EVERY_AGE
        try:
            await waker.wait(scanner.busy)
        finally:
            wake.SWEEP = sweep
        waker.all_seen()  # the look of that wake-up taken, as the runner's publisher does
        yield group_id, remote, withheld, ledger, scanner, waker
    finally:
        waker.close()
        scanner.close()
        ledger.close()


async def test_the_relays_own_apply_wakes_no_look(tmp_path, alice, bob) -> None:
    async with relay_host(tmp_path, alice, bob) as (group_id, remote, withheld, ledger,
                                                    scanner, waker):
        _apply_as_relay(scanner, ledger, remote, group_id, withheld)
        await settle()
        assert not waker.event.is_set()  # its commit's events were taken as handled
        assert not scanner.busy


async def test_a_write_after_the_relays_apply_still_wakes_a_look_and_is_published(
        tmp_path, alice, bob) -> None:
    async with relay_host(tmp_path, alice, bob) as (group_id, remote, withheld, ledger,
                                                    scanner, waker):
        writer = GroupStore(remote / f"{group_id}.db", group_id)
        try:
            _apply_as_relay(scanner, ledger, remote, group_id, withheld)
            writer.post(load_or_create_keypair(alice.home), "written after the apply")
            await settle()
            assert waker.event.is_set()
            await waker.wait(scanner.busy)
            found = _publish_everything(scanner)
            assert [json.loads(e.text)["body"] for e in found if e.table == "msg"] == \
                ["written after the apply"]
        finally:
            writer.close()


async def test_a_write_just_before_the_relays_apply_still_wakes_a_look(tmp_path, alice,
                                                                      bob) -> None:
    """Another connection committed between two of the relay's looks: its events are not
    taken as handled (the file's version moved), so the look they ask for comes."""
    async with relay_host(tmp_path, alice, bob) as (group_id, remote, withheld, ledger,
                                                    scanner, waker):
        writer = GroupStore(remote / f"{group_id}.db", group_id)
        try:
            writer.post(load_or_create_keypair(alice.home), "written just before")
            _apply_as_relay(scanner, ledger, remote, group_id, withheld)
            await settle()
            assert waker.event.is_set()
            found = _publish_everything(scanner)
            assert [json.loads(e.text)["body"] for e in found if e.table == "msg"] == \
                ["written just before"]
        finally:
            writer.close()


async def test_a_write_to_another_file_still_wakes_a_look(tmp_path, alice, bob) -> None:
    async with relay_host(tmp_path, alice, bob) as (group_id, remote, withheld, ledger,
                                                    scanner, waker):
        other = remote / f"{'b' * 26}.db"
        await asyncio.sleep(0)
        other.write_bytes(b"")  # any write to another group's file
        await settle()
        _apply_as_relay(scanner, ledger, remote, group_id, withheld)
        assert waker.event.is_set()
        waker.wake()
        await waker.wait(False)
        waker.wake()  # asked for a look (the link came up): no apply takes that back
        _publish_everything(scanner)
        assert waker.event.is_set()


def _commit_as_relay(scanner: LocalScanner, remote: Path, group_id: str,
                     envelope: Envelope) -> None:
    """The relay's apply up to its commit (its bookkeeping, `note_applied`, comes after)."""
    from peers_tui.relay.apply import apply_records

    outcome = apply_records(remote, group_id, [envelope], create=False, hub_order=True,
                            store=scanner.stores[group_id])
    assert outcome is not None and outcome.applied == [envelope], outcome


async def test_a_wake_up_by_the_relays_own_apply_it_waited_for_finds_it_handled(
        tmp_path, alice, bob) -> None:
    """The publisher woke at the apply's commit and waited for the apply to finish (the
    runner's lock): by then the apply has taken its writes as handled, and the look is left
    out (runner._publish_once asks `all_seen`)."""
    async with relay_host(tmp_path, alice, bob) as (group_id, remote, withheld, ledger,
                                                    scanner, waker):
        _commit_as_relay(scanner, remote, group_id, withheld)
        await settle()
        assert await waker.wait(scanner.busy)  # woken by the apply's commit
        ledger.add_known([withheld.hash])
        scanner.note_applied(group_id)
        assert waker.all_seen() and not scanner.busy


async def test_a_write_while_the_publisher_waited_for_the_apply_is_looked_at(
        tmp_path, alice, bob) -> None:
    async with relay_host(tmp_path, alice, bob) as (group_id, remote, withheld, ledger,
                                                    scanner, waker):
        writer = GroupStore(remote / f"{group_id}.db", group_id)
        try:
            _commit_as_relay(scanner, remote, group_id, withheld)
            await settle()
            assert await waker.wait(scanner.busy)
            writer.post(load_or_create_keypair(alice.home), "written while it waited")
            ledger.add_known([withheld.hash])
            scanner.note_applied(group_id)
            assert not waker.all_seen()  # the look comes
            found = _publish_everything(scanner)
            assert [json.loads(e.text)["body"] for e in found if e.table == "msg"] == \
                ["written while it waited"]
        finally:
            writer.close()
