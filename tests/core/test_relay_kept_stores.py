"""The scanner with fewer stores kept open than group files (relay/kept_stores.py): a store
closed to make room and opened again loses nothing written meanwhile, and one closed with
nothing new takes up where it was (the relay's own apply then moves the positions without a
scan, as with a store kept all along). Real group files; no transport."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from peers_tui.core.group_store import GroupStore
from peers_tui.core.identity import load_or_create_keypair
from peers_tui.relay.apply import apply_records
from peers_tui.relay.ledger import Ledger
from peers_tui.relay.local import LocalScanner
from tests.core.test_relay_apply import local_envelopes
from tests.core.test_relay_scanner import (
    _apply_as_relay, _host_without_bobs_last, _last_rowid, _publish_everything,
)


@contextmanager
def two_groups_one_store(tmp_path, alice, bob) -> Iterator[tuple[str, str, Path, Any, Ledger,
                                                                 LocalScanner]]:
    """A host holding alice's busy group (bob's last message withheld: `withheld`) and her
    group 'other', its relay's scanner keeping one store open: (group, other, the host's
    hub, withheld, ledger, scanner)."""
    group_id, remote, withheld = _host_without_bobs_last(tmp_path, alice, bob)
    other = alice.ok("create", "other").out.strip()
    outcome = apply_records(remote, other, local_envelopes(alice, other), create=True)
    assert outcome is not None and not outcome.refused
    ledger = Ledger(tmp_path / "relay.db")
    scanner = LocalScanner(remote, "B", ledger)
    scanner.stores.cap = 1
    try:
        yield group_id, other, remote, withheld, ledger, scanner
    finally:
        scanner.close()
        ledger.close()


def test_a_store_closed_to_make_room_loses_nothing(tmp_path, alice, bob):
    with two_groups_one_store(tmp_path, alice, bob) as (
            group_id, other, remote, withheld, ledger, scanner):
        writer = GroupStore(remote / f"{group_id}.db", group_id)
        try:
            assert _publish_everything(scanner)  # both files scanned, one store open after
            assert len(scanner.stores) == 1 and scanner.stores.evicted >= 1
            # Written by another connection while its store may be closed: published once.
            writer.post(load_or_create_keypair(alice.home), "written while closed")
            scanner.group_files(fresh=True)
            found = _publish_everything(scanner)
            assert [json.loads(e.text)["body"] for e in found if e.table == "msg"] == \
                ["written while closed"]
            assert _publish_everything(scanner) == []
            # The other group's store opened now closes this one, with nothing unhandled.
            scanner.store(other, remote / f"{other}.db")
            assert group_id not in scanner.stores and len(scanner.stores) == 1
            # The relay applies to it through the reopened store: its own commit, no scan.
            scanner.store(group_id, remote / f"{group_id}.db")
            _apply_as_relay(scanner, ledger, remote, group_id, withheld)
            assert ledger.position(f"msg:{group_id}") == _last_rowid(remote / f"{group_id}.db")
            assert scanner.unsent() == 0
            assert _publish_everything(scanner) == []
            assert len(scanner.stores) == 1
        finally:
            writer.close()


def test_a_readers_empty_wal_beside_a_clean_close_does_not_open_the_store(tmp_path, alice, bob,
                                                                          monkeypatch):
    """The census and the link report read a closed group's file read-only, which leaves an
    empty WAL beside it. Within SETTLE_NS of the clean close that was taken for a write: the
    store opened again and closed the one kept (the CI at 0929081: the store the relay had
    just committed to, whose reopening took that commit for another process's)."""
    from peers_tui.core.database.side_files import read_only
    from peers_tui.relay import kept_stores

    # Every token recent, as when the reader comes 70 ms after the close, however loaded
    # the machine running this test.
    monkeypatch.setattr(kept_stores, "settled", lambda token, ns=0: False)
    with two_groups_one_store(tmp_path, alice, bob) as (
            group_id, other, remote, _, ledger, scanner):
        path = remote / f"{group_id}.db"
        assert _publish_everything(scanner)
        scanner.store(group_id, path)
        scanner.store(other, remote / f"{other}.db")  # closes group_id's, clean
        assert group_id in scanner.closed_at and list(scanner.stores) == [other]
        reader = read_only(f"file:{path}?mode=ro", path, timeout=5)
        reader.execute("SELECT COUNT(*) FROM message").fetchone()
        evicted = scanner.stores.evicted
        assert _publish_everything(scanner) == []
        assert list(scanner.stores) == [other] and scanner.stores.evicted == evicted
        reader.close()
        # A write while it is closed, as recent, is still looked at (the main file or the
        # WAL moved): published once.
        writer = GroupStore(path, group_id)
        try:
            writer.post(load_or_create_keypair(alice.home), "written while closed")
        finally:
            writer.close()
        found = _publish_everything(scanner)
        assert [json.loads(e.text)["body"] for e in found if e.table == "msg"] == \
            ["written while closed"]


def test_a_commit_during_the_close_of_a_clean_store_is_published(tmp_path, alice, bob):
    """A store closed to make room is found clean (every commit handled), then closed; the
    close of the last connection checkpoints the WAL into the main file, and the token left
    is trusted (`closed_at`). Another process's commit between the two (bob's `peers send`
    while the relay was off the CPU) went into the main file with that checkpoint: never
    scanned, and the relay's next apply moved the positions past it (h-flake2: bob's
    message of g3 never left B in tests/cli/test_relay_kept_stores.py, its position 2 on B,
    its row 1). The commit is made here where the eviction closes the store: it must wait
    for the check's write lock, or be seen, and be published once."""
    import threading

    with two_groups_one_store(tmp_path, alice, bob) as (
            group_id, other, remote, _, ledger, scanner):
        path = remote / f"{group_id}.db"
        assert _publish_everything(scanner)
        scanner.store(group_id, path)  # kept, clean
        keypair = load_or_create_keypair(alice.home)

        def send() -> None:  # as `peers send`: its own connection, closed after the commit
            writer = GroupStore(path, group_id)
            try:
                writer.post(keypair, "written during the close")
            finally:
                writer.close()

        sender = threading.Thread(target=send)

        def evicted(evicting: str, close: Any) -> None:
            def close_after_a_commit() -> object:
                if evicting == group_id:
                    sender.start()
                    sender.join(timeout=2.0)  # at once, unless the write lock is held
                return close()
            scanner._evicted(evicting, close_after_a_commit)

        scanner.stores.evict = evicted
        scanner.store(other, remote / f"{other}.db")  # closes group_id's
        sender.join()
        assert group_id not in scanner.stores
        scanner.group_files(fresh=True)
        found = _publish_everything(scanner)
        assert [json.loads(e.text)["body"] for e in found if e.table == "msg"] == \
            ["written during the close"]
        assert _publish_everything(scanner) == []
