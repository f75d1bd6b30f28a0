"""What a relay's look at many idle group files costs (docs/relay.md, "Many groups and a
rebuilt stream"): a reader's empty WAL is no write, and a file with nothing past the
remembered positions is looked at without opening its store. Real group files; no transport."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from peers_tui.relay.apply import apply_records
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
