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
from peers_tui.relay.wake import Waker
from tests.core.test_relay_scanner import (
    _apply_as_relay, _host_without_bobs_last, _publish_everything,
)


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
        await waker.wait(scanner.busy)
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
