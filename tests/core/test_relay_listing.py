"""The scanner's listing of the group files (relay/local.py) wired to the waker's inotify
(relay/wake.py, `listing_due`), as the runner wires them: an idle hub directory is not
listed again and again (a glob and two stats a file: ~2 ms of CPU with 200 groups, every
second something asked, half of an idle hub relay's CPU, docs/relay.md "Idle with many
groups and leaves"), and a group file made, moved in, replaced or deleted is in the next
listing all the same. Real files, real inotify."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from peers_tui.core.group_store import GroupStore
from peers_tui.core.identity import load_or_create_keypair
from peers_tui.relay import wake
from peers_tui.relay.ledger import Ledger
from peers_tui.relay.local import LocalScanner
from peers_tui.relay.wake import Waker
from tests.core.test_relay_scanner import _host_without_bobs_last
from tests.core.test_relay_wake import settle

OTHER = "b" * 26  # a group id (base32 letters, 26 of them)


@asynccontextmanager
async def listed_host(tmp_path: Path, alice, bob
                      ) -> AsyncIterator[tuple[str, Path, LocalScanner, Waker]]:
    """A host's hub with one group file, its scanner and waker wired as the runner wires
    them, the files listed once."""
    group_id, hub, _ = _host_without_bobs_last(tmp_path, alice, bob)
    ledger = Ledger(tmp_path / "relay.db")
    scanner = LocalScanner(hub, "B", ledger)
    waker = Waker(hub)
    scanner.handled = waker.seen
    scanner.listing_due = waker.listing_due
    try:
        assert waker.inotify is not None  # Linux: the tests are about its events
        assert [g for g, _ in scanner.group_files()] == [group_id]
        yield group_id, hub, scanner, waker
    finally:
        waker.close()
        scanner.close()
        ledger.close()


def _a_second_ago(scanner: LocalScanner) -> float:
    """The listing made as long ago as a listing may be reused (the scanner's one second)."""
    scanner.listed = time.monotonic() - 1.5
    return scanner.listed


async def test_an_idle_hub_directory_is_not_listed_again(tmp_path, alice, bob) -> None:
    async with listed_host(tmp_path, alice, bob) as (group_id, hub, scanner, _):
        writer = GroupStore(hub / f"{group_id}.db", group_id)  # a commit: no entry moved
        try:
            writer.post(load_or_create_keypair(alice.home), "a write is no reason to list")
        finally:
            writer.close()
        (hub / "notes.txt").write_text("not a group file")
        await settle()
        listed = _a_second_ago(scanner)
        assert [g for g, _ in scanner.group_files()] == [group_id]
        assert scanner.listed == listed  # the listing kept: nothing came or went


async def test_a_listing_is_made_again_after_a_while_all_the_same(tmp_path, alice,
                                                                  bob) -> None:
    """An event inotify lost (its queue overflowed) is made up for by a listing now and
    then."""
    async with listed_host(tmp_path, alice, bob) as (group_id, hub, scanner, _):
        scanner.listed = time.monotonic() - wake.LIST_ANYWAY - 0.5
        shutil.copy(hub / f"{group_id}.db", hub / f"{OTHER}.db")
        assert sorted(g for g, _ in scanner.group_files()) == sorted([group_id, OTHER])


async def test_a_group_file_made_or_moved_in_is_listed(tmp_path, alice, bob) -> None:
    async with listed_host(tmp_path, alice, bob) as (group_id, hub, scanner, _):
        _a_second_ago(scanner)
        shutil.copy(hub / f"{group_id}.db", tmp_path / "elsewhere.db")
        os.replace(tmp_path / "elsewhere.db", hub / f"{OTHER}.db")  # moved in
        await settle()
        assert sorted(g for g, _ in scanner.group_files()) == sorted([group_id, OTHER])
        third = "c" * 26
        _a_second_ago(scanner)
        shutil.copy(hub / f"{group_id}.db", hub / f"{third}.db")  # made here
        # Read at once, before the loop has read the event (the listing asks inotify).
        assert third in {g for g, _ in scanner.group_files()}


async def test_a_group_file_deleted_or_moved_out_leaves_the_listing(tmp_path, alice,
                                                                    bob) -> None:
    async with listed_host(tmp_path, alice, bob) as (group_id, hub, scanner, _):
        shutil.copy(hub / f"{group_id}.db", hub / f"{OTHER}.db")
        await settle()
        _a_second_ago(scanner)
        assert len(scanner.group_files()) == 2
        _a_second_ago(scanner)
        (hub / f"{OTHER}.db").unlink()
        assert [g for g, _ in scanner.group_files()] == [group_id]
        _a_second_ago(scanner)
        os.replace(hub / f"{group_id}.db", tmp_path / "taken-away.db")
        assert scanner.group_files() == []


async def test_a_group_file_replaced_by_another_starts_over(tmp_path, alice, bob) -> None:
    """Another file moved over a group's (a mended copy): the scanner forgets what it kept
    of the one before (replaced_files.py), as it did when it listed every second."""
    async with listed_host(tmp_path, alice, bob) as (group_id, hub, scanner, _):
        path = hub / f"{group_id}.db"
        scanner.store(group_id, path)
        assert group_id in scanner.stores
        shutil.copy(path, tmp_path / "copy.db")
        await settle()
        _a_second_ago(scanner)
        os.replace(tmp_path / "copy.db", path)
        scanner.group_files()
        assert group_id not in scanner.stores  # closed: it read the file moved away
