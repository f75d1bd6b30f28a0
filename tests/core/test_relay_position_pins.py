"""The scanner's pins (peers_tui.relay.position_pins): a print of the row at each position, so
that rows deleted and written again between two looks of the relay (or while it was stopped)
are published. Real group files and relay.db, no transport."""

from __future__ import annotations

import json
import sqlite3

from peers_tui.core.group_store import GroupStore
from peers_tui.core.identity import load_or_create_keypair
from peers_tui.relay import ledger as ledgers
from tests.core.test_relay_scanner import _last_rowid, _publish_everything, _scanned_host


def _bodies(found) -> list[str]:
    return [json.loads(e.text)["body"] for e in found if e.table == "msg"]


def test_rows_written_over_deleted_top_rows_between_two_looks_are_published(
        tmp_path, alice, bob):
    """Three top rows deleted by another process and one post written before the scanner
    looks: the table's top is then below the position with the new row under it, so the
    look at the tops alone (deleted_tops.reused_below) came down to the new row and passed
    over it."""
    with _scanned_host(tmp_path, alice, bob) as (group_id, remote, _, ledger, scanner):
        path = remote / f"{group_id}.db"
        writer = GroupStore(path, group_id)
        me = load_or_create_keypair(alice.home)
        try:
            _publish_everything(scanner)
            for body in ("one", "two", "three"):
                writer.post(me, body)
                assert _bodies(_publish_everything(scanner)) == [body]
            top = _last_rowid(path)
            with sqlite3.connect(path) as conn:
                conn.execute("DELETE FROM message WHERE rowid > ?", (top - 3,))
            writer.post(me, "after the deletion")
            assert _last_rowid(path) == top - 2
            assert _bodies(_publish_everything(scanner)) == ["after the deletion"]
            assert ledger.position(f"msg:{group_id}") == top - 2
            assert scanner.unsent() == 0
        finally:
            writer.close()


def test_a_position_from_before_the_pins_is_pinned_at_its_first_look(tmp_path, alice, bob):
    with _scanned_host(tmp_path, alice, bob) as (group_id, remote, _, ledger, scanner):
        path = remote / f"{group_id}.db"
        _publish_everything(scanner)
        ledger.db.execute("DELETE FROM pins")
        scanner.forget(group_id)  # as a relay started again: its next look reads the file
        writer = GroupStore(path, group_id)
        try:
            writer.post(load_or_create_keypair(alice.home), "later")
            assert _bodies(_publish_everything(scanner)) == ["later"]
            assert _last_rowid(path) in ledger.pinned(f"msg:{group_id}")
        finally:
            writer.close()


def test_pins_are_thinned_to_one_a_power_of_two_below_the_newest(tmp_path):
    ledger = ledgers.Ledger(tmp_path / "relay.db")
    try:
        for at in range(1, 5001):
            ledger.pin("msg:g", at, at * 7)
        pinned = ledger.pinned("msg:g")
        assert len(pinned) <= ledgers.THIN_EVERY + 14
        assert pinned[5000] == 35000 and min(pinned) <= 5000 - 2048
        for low in (1, 10, 100, 1000):  # a pin within a factor of four of any depth
            assert any(5000 - 4 * low <= at <= 5000 - low for at in pinned), low
        ledger.pin("msg:g", 300, 1)  # a position that came down: the pins above it go
        assert max(ledger.pinned("msg:g")) == 300
    finally:
        ledger.close()
