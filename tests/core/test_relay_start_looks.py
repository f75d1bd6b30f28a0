"""What a relay's look at many idle group files costs (docs/relay.md, "Many groups and a
rebuilt stream"): a reader's empty WAL is no write, and a file with nothing past the
remembered positions is looked at without opening its store. Real group files; no transport."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from peers_tui.core.group_store import GroupStore
from peers_tui.core.identity import load_or_create_keypair
from peers_tui.relay.apply import apply_records
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.file_tokens import SETTLE_NS
from peers_tui.relay.ledger import Ledger
from peers_tui.relay.local import LocalScanner
from tests.core.test_relay_apply import local_envelopes
from tests.core.test_relay_scanner import _host_without_bobs_last, _publish_everything


def _two_groups(tmp_path: Path, alice, bob) -> tuple[Path, list[str]]:
    group_id, remote, _ = _host_without_bobs_last(tmp_path, alice, bob)
    other = alice.ok("create", "other").out.strip()
    outcome = apply_records(remote, other, local_envelopes(alice, other), create=True)
    assert outcome is not None and not outcome.refused
    return remote, [group_id, other]


def test_a_readers_empty_wal_opens_no_store(tmp_path, alice, bob):
    """The link report and the census count a group not open through a read-only connection,
    which makes an empty WAL while it reads: the scanner took that for a write, opened the
    group's store and closed another (whose close deleted its WAL: the next look)."""
    remote, groups = _two_groups(tmp_path, alice, bob)
    ledger = Ledger(tmp_path / "relay.db")
    scanner = LocalScanner(remote, "B", ledger)
    scanner.stores.cap = 1
    try:
        assert _publish_everything(scanner)
        assert _publish_everything(scanner) == []
        time.sleep(2 * SETTLE_NS / 1e9)
        closed = [g for g in groups if g not in scanner.stores]
        assert len(closed) == 1
        evicted = scanner.stores.evicted
        path = remote / f"{closed[0]}.db"
        reader = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            reader.execute("SELECT COUNT(*) FROM message").fetchone()
            assert Path(f"{path}-wal").exists()  # empty, made by the read
            assert _publish_everything(scanner) == []
            assert closed[0] not in scanner.stores and scanner.stores.evicted == evicted
        finally:
            reader.close()
        assert _publish_everything(scanner) == []
        assert scanner.stores.evicted == evicted
    finally:
        scanner.close()
        ledger.close()


def _started_again(remote: Path, ledger: Ledger) -> tuple[list[Envelope], list[str]]:
    """One pass of a relay started again (a new scanner on the same ledger), once the files
    are old enough to be trusted: what it published, and the stores it opened."""
    time.sleep(2 * SETTLE_NS / 1e9)
    scanner = LocalScanner(remote, "B", ledger)
    try:
        return _publish_everything(scanner), list(scanner.stores)
    finally:
        scanner.close()


def _post(path: Path, group_id: str, user, body: str) -> None:
    """`user` posts in the file by another connection than any relay's."""
    writer = GroupStore(path, group_id)
    try:
        writer.post(load_or_create_keypair(user.home), body)
    finally:
        writer.close()


def test_a_start_opens_no_store_for_a_file_as_it_was_left(tmp_path, alice, bob):
    """A relay started again looks at each file it handled through a read-only read of its
    print (quick_look.py): no store opened, nothing published; a file written while it was
    stopped, or whose top row was written again, is scanned and its new rows published."""
    remote, groups = _two_groups(tmp_path, alice, bob)
    path = remote / f"{groups[0]}.db"
    ledger = Ledger(tmp_path / "relay.db")
    scanner = LocalScanner(remote, "B", ledger)
    try:
        assert _publish_everything(scanner)
        assert _publish_everything(scanner) == []
        scanner.close()
        assert _started_again(remote, ledger) == ([], [])
        # Written while the relay was stopped: found at the next start.
        _post(path, groups[0], alice, "written while stopped")
        found, opened = _started_again(remote, ledger)
        assert [e.table for e in found] == ["msg"] and opened == [groups[0]]
        assert _started_again(remote, ledger) == ([], [])
        # The top row deleted and another written in its place (its rowid reused): the pins.
        with sqlite3.connect(path) as connection:
            connection.execute("DELETE FROM message WHERE rowid = (SELECT MAX(rowid) FROM message)")
        _post(path, groups[0], alice, "in its place")
        found, _ = _started_again(remote, ledger)
        assert [json.loads(e.text)["body"] for e in found if e.table == "msg"] == ["in its place"]
    finally:
        scanner.close()
        ledger.close()
