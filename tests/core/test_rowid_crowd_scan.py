"""A relay's scan after junk at rowid 2**62 - 1 (own_place.HIGH - 1) in its host's file (the
ninth attack pass, docs/relay.md): the rows SQLite stores after it, at HIGH and above, are
where they belong. Before, every scan read the whole message table again from its first row
(a position at HIGH or above counted as a ledger from before), so a leaf re-sent every record
it had applied from other hosts (it forgets them once its positions are past them), and read
the table again at every change of the file after that."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from peers_tui.core.own_place import HIGH
from peers_tui.relay.apply import apply_records
from peers_tui.relay.ledger import Ledger
from peers_tui.relay.local import LocalScanner
from tests.conftest import User
from tests.core.test_bad_signature_place import BadSigner
from tests.core.test_relay_junk_places import bob_wrote, receiving_host


def test_a_scan_after_junk_below_the_high_rowids_reads_on_from_its_position(
        tmp_path: Path, alice: User, bob: User, team: str):
    envelopes, by_body = bob_wrote(alice, bob, team, "second", "third")
    later = [by_body["second"], by_body["third"]]
    hub, store = receiving_host(tmp_path, team, envelopes, later)
    db = hub / f"{team}.db"
    store.close()
    ledger = Ledger(tmp_path / "relay.db")
    with sqlite3.connect(db) as conn:  # applied from others: positions past them, none known
        [(top,)] = conn.execute("SELECT MAX(rowid) FROM message")
    ledger.set_position(f"msg:{team}", top)
    BadSigner(bob.home).message(db, team, "junk", aseq=99, aprev="x")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE message SET rowid = ? WHERE body = 'junk'", (HIGH - 1,))
    scanner = LocalScanner(hub, "C", ledger)
    sent = []
    for step in later:
        assert apply_records(hub, team, [step], create=False).applied == [step]
        for _, fresh, commit in scanner.changes():
            sent += [e.hash for e in fresh if e.table == "msg"]
            commit()
    assert sent == [e.hash for e in later]  # each once, and nothing applied before the junk
    with sqlite3.connect(db) as conn:
        assert [rowid for (rowid,) in conn.execute(
            "SELECT rowid FROM message WHERE rowid >= ? ORDER BY rowid", (HIGH - 1,))] == [
            HIGH - 1, HIGH, HIGH + 1]
    assert ledger.position(f"msg:{team}") == HIGH + 1
    scanner.close()
    ledger.close()


def test_the_relays_own_apply_after_junk_below_the_high_rowids_moves_its_positions(
        tmp_path: Path, alice: User, bob: User, team: str):
    """The relay applies records from other hosts after junk at HIGH - 1: the rows it
    stores, at HIGH and above, are where they belong, so its positions move past them at
    once (`LocalScanner.note_applied`), as in any file. Before, any top at HIGH or above
    kept them where they were: a leaf remembered every record it applied there in `known`
    (the hub asks it of every record) and scanned the file once more after each batch."""
    envelopes, by_body = bob_wrote(alice, bob, team, "second", "third")
    later = [by_body["second"], by_body["third"]]
    hub, store = receiving_host(tmp_path, team, envelopes, later)
    db = hub / f"{team}.db"
    store.close()
    BadSigner(bob.home).message(db, team, "junk", aseq=99, aprev="x")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE message SET rowid = ? WHERE body = 'junk'", (HIGH - 1,))
    ledger = Ledger(tmp_path / "relay.db")
    scanner = LocalScanner(hub, "C", ledger)
    try:
        for _, fresh, commit in scanner.changes():  # the file as it is, the junk refused
            commit()
        assert ledger.position(f"msg:{team}") == HIGH - 1
        for rowid, step in enumerate(later, start=HIGH):
            outcome = apply_records(hub, team, [step], create=False, hub_order=True,
                                    store=scanner.stores[team])
            assert outcome is not None and outcome.applied == [step], outcome
            assert scanner.note_applied(team)  # past it: nothing to remember as known
            assert ledger.position(f"msg:{team}") == rowid
            assert scanner.versions.get(team) is not None  # no scan of the file again
        assert scanner.unsent() == 0
        assert [fresh for _, fresh, _ in scanner.changes()] == []
    finally:
        scanner.close()
        ledger.close()
