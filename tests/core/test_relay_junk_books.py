"""Junk in a host's file counts for nothing in the relay's books either (docs/relay.md, "Junk
in the relay's books"; issue 15): a row that does not verify as its author's record at its
place, in the message table or set aside into `fork_evidence` (relay/junk_places.py), is no
predecessor when a backfill closes (backfill_state.finish) nor when a record arrives
(batch_admit.admitted), and junk set aside at an arrival before the relay's scan saw it is
refused as written into this host's file, once. Real group files and a real relay ledger,
no transport; the backfill helpers are tests/core/test_relay_backfill_apply.py's."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from peers_tui.core.group_store import GroupStore
from peers_tui.relay import backfill_state
from peers_tui.relay.apply import apply_records
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.ledger import Ledger
from peers_tui.relay.local import LocalScanner
from peers_tui.testing.forge import Forger
from tests.conftest import User
from tests.core.test_bad_signature_place import BadSigner
from tests.core.test_relay_backfill_apply import joining_host
from tests.core.test_relay_junk_places import bob_wrote, receiving_host
from tests.junk_helpers import set_aside

NEVER_ARRIVED = "an earlier record by this author never arrived (no such chain)"


def _junk_at(store: GroupStore, team: str, bob: User, aseq: int, table: str) -> None:
    """A row at bob's place `aseq` of the file that is no record of his (signed one bit off),
    in the message table or straight in `fork_evidence` (set aside, or written there)."""
    BadSigner(bob.home).message(store.path, team, f"junk at {aseq}", aseq=aseq, aprev="x")
    if table == "fork_evidence":
        with sqlite3.connect(store.path) as conn:
            conn.execute("INSERT INTO fork_evidence (author, author_seq, kind, record, sig)"
                         " SELECT author, author_seq, 'msg', record, sig FROM message"
                         " WHERE body = ?", (f"junk at {aseq}",))
            conn.execute("DELETE FROM message WHERE body = ?", (f"junk at {aseq}",))


def _bobs(messages: list[Envelope]) -> dict[int, Envelope]:
    bob_id = json.loads(next(e for e in messages if '"body":"bob 1"' in e.text).text)["a"]
    return {json.loads(e.text)["aseq"]: e for e in messages if json.loads(e.text)["a"] == bob_id}


@pytest.mark.parametrize("table", ["message", "fork_evidence"])
def test_a_backfills_close_takes_out_a_record_whose_predecessor_place_holds_only_junk(
        tmp_path: Path, alice: User, bob: User, team: str, table: str):
    """The hub's history lacks bob's place 2; junk sits there in C's file. Before, the close
    (backfill_state.UNLINKED) took the junk for bob's record 2 and left record 3 in the file,
    unquarantined, where the readers call it "an earlier record ... is missing"."""
    for i in (1, 2, 3, 4):
        bob.ok("send", "team", f"bob {i}")
    here, store, messages = joining_host(tmp_path, alice, team)
    bobs = _bobs(messages)
    for page in ([bobs[3], bobs[4]], [bobs[1]]):  # newest first; place 2 never comes
        outcome = apply_records(here, team, page, create=False, hub_order=True, store=store)
        assert outcome is not None and outcome.applied == page, outcome
    _junk_at(store, team, bob, 2, table)
    voided = backfill_state.finish(store)  # record 3, then 4 that stood on it
    assert [(envelope.text, reason) for envelope, reason in voided] == [
        (bobs[3].text, NEVER_ARRIVED), (bobs[4].text, NEVER_ARRIVED)]
    assert [v.body for v in store.recent(50) if v.body.startswith("bob")] == ["bob 1"]
    with sqlite3.connect(store.path) as conn:  # the junk is left where it was written
        assert conn.execute(f"SELECT COUNT(*) FROM {table} WHERE author_seq = 2").fetchone() == (1,)
    store.close()


def test_a_backfills_close_leaves_junk_without_a_predecessor_alone(
        tmp_path: Path, alice: User, bob: User, team: str):
    """Junk at bob's place 5 above nothing: it holds no place, so it is no record whose chain
    does not exist. Before, the close deleted it and quarantined it as "never arrived" (a
    reason about a record that is none); it stays for the relay's scan to refuse as written
    into this file, and `peers verify` names it."""
    bob.ok("send", "team", "bob 1")
    here, store, messages = joining_host(tmp_path, alice, team)
    outcome = apply_records(here, team, messages, create=False, hub_order=True, store=store)
    assert outcome is not None and not outcome.refused and not outcome.waiting, outcome
    _junk_at(store, team, bob, 5, "message")
    assert backfill_state.finish(store) == []
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM message WHERE author_seq = 5").fetchone() == (1,)
    [problem] = store.verify()
    assert "bad signature" in str(problem), problem
    store.close()


def test_junk_set_aside_at_the_predecessors_place_is_no_predecessor_for_an_arriving_record(
        tmp_path: Path, alice: User, bob: User, team: str):
    """Bob's record 3 arrives where his place 2 holds only set-aside junk: it waits as on a
    host holding nothing there ("not yet received"). Before, `_ready` counted any row of
    fork_evidence as the predecessor, and the record waited as if its predecessor had been
    deleted from the file."""
    envelopes, by_body = bob_wrote(alice, bob, team, "second", "third")
    hub, store = receiving_host(tmp_path, team, envelopes, [by_body["second"], by_body["third"]])
    _junk_at(store, team, bob, 2, "fork_evidence")
    outcome = apply_records(hub, team, [by_body["third"]], create=False)
    assert outcome is not None and not outcome.applied and not outcome.refused, outcome
    assert [reason for _, reason in outcome.waiting] == [
        "an earlier record by this author is missing (not yet received)"]
    late = apply_records(hub, team, [by_body["second"], by_body["third"]], create=False)
    assert late is not None and late.applied == [by_body["second"], by_body["third"]], late
    store.close()


def _refusals(ledger: Ledger) -> tuple[dict[str, int], list[str]]:
    return ledger.rejected_counts(), [str(row["reason"]) for row in ledger.rejected()]


def test_junk_set_aside_before_the_scan_saw_it_is_refused_once(
        tmp_path: Path, alice: User, bob: User, team: str):
    """Junk written at bob's next place of this host's file, and bob's record arriving before
    the relay's scan read the row: the apply sets it aside (junk_places), and the scan, which
    reads the message table past its position, never met it. Before, `relay rejected` and
    `relay status` never showed it; now the scan refuses it from `fork_evidence`, once, as it
    refuses junk it finds in the message table, and not again at a rescan or a restart."""
    envelopes, by_body = bob_wrote(alice, bob, team, "second")
    hub, store = receiving_host(tmp_path, team, envelopes, [by_body["second"]])
    store.close()
    ledger = Ledger(tmp_path / "relay.db")
    scanner = LocalScanner(hub, "C", ledger)
    for _, _, commit in scanner.changes():  # everything here published: positions past it
        commit()
    assert _refusals(ledger) == ({}, [])
    BadSigner(bob.home).message(hub / f"{team}.db", team, "junk", aseq=2, aprev="x")
    outcome = apply_records(hub, team, [by_body["second"]], create=False)
    assert outcome is not None and outcome.applied == [by_body["second"]], outcome
    expected = ({"C": 1}, ["written into this host's file: bad signature (set aside: holds no place)"])
    for _ in range(2):  # a scan, then a rescan of the same file
        for _, _, commit in scanner.changes():
            commit()
        scanner.versions.clear()
        scanner.tokens.clear()
        assert _refusals(ledger) == expected
    scanner.close()
    ledger.close()
    ledger = Ledger(tmp_path / "relay.db")  # the relay restarted
    scanner = LocalScanner(hub, "C", ledger)
    for _, _, commit in scanner.changes():
        commit()
    assert _refusals(ledger) == expected
    scanner.close()
    ledger.close()


def test_a_forged_record_of_the_right_author_in_fork_evidence_is_no_junk(
        tmp_path: Path, alice: User, bob: User, team: str):
    """The scan refuses only rows of fork_evidence that are no record of their author's: a
    second record bob signed for his place (a fork) is evidence, shipped, never refused."""
    envelopes, by_body = bob_wrote(alice, bob, team, "second")
    hub, store = receiving_host(tmp_path, team, envelopes, [by_body["second"]])
    store.close()
    ledger = Ledger(tmp_path / "relay.db")
    scanner = LocalScanner(hub, "C", ledger)
    for _, _, commit in scanner.changes():
        commit()
    db = hub / f"{team}.db"
    Forger(bob.home).message(db, team, "his other second", aseq=2, aprev="x")
    with sqlite3.connect(db) as conn:
        set_aside(conn, "his other second")
    shipped = []
    for _, fresh, commit in scanner.changes():
        shipped += fresh
        commit()
    assert [e.table for e in shipped if e.table != "genesis"] == ["evidence"]
    assert _refusals(ledger) == ({}, [])
    scanner.close()
    ledger.close()


def test_a_file_made_anew_is_read_for_junk_from_its_first_row(
        tmp_path: Path, alice: User, bob: User, team: str):
    """The ledger's position past more rows of fork_evidence than the file holds (the group
    left and joined again: a new file): its junk is read from the first row, not passed over."""
    envelopes, by_body = bob_wrote(alice, bob, team, "second")
    hub, store = receiving_host(tmp_path, team, envelopes, [by_body["second"]])
    _junk_at(store, team, bob, 2, "fork_evidence")
    store.close()
    ledger = Ledger(tmp_path / "relay.db")
    ledger.set_position(f"evidence:{team}", 50)
    scanner = LocalScanner(hub, "C", ledger)
    for _, _, commit in scanner.changes():
        commit()
    assert _refusals(ledger) == (
        {"C": 1}, ["written into this host's file: bad signature (set aside: holds no place)"])
    assert ledger.position(f"evidence:{team}") == 1
    scanner.close()
    ledger.close()
