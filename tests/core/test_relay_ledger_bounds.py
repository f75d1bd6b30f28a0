"""The relay ledger's quarantine and waiting tables stay bounded per host (relay/quarantine.py,
relay/limits.py): a host sending a flood of refused records fills no disk, every refusal is
still counted, and another host's records are kept as before."""

from __future__ import annotations

from pathlib import Path

from peers_tui.relay.envelope import Envelope
from peers_tui.relay.ledger import Ledger


def envelope(host: str, n: int) -> Envelope:
    return Envelope("g" * 26, "msg", f'{{"n": {n}, "host": "{host}"}}', b"sig", None, host)


def test_the_quarantine_keeps_a_bounded_number_a_host_and_counts_them_all(tmp_path: Path):
    ledger = Ledger(tmp_path / "relay.db", {"quarantine_per_host": 5})
    for n in range(200):
        ledger.quarantine(envelope("B", n), "forged")
    ledger.quarantine(envelope("B", 0), "forged")  # the same record again counts once
    ledger.quarantine(envelope("C", 0), "not a member")
    assert ledger.rejected_counts() == {"B": 200, "C": 1}
    kept = ledger.rejected()
    assert sum(row["host"] == "B" for row in kept) == 5
    assert [row["host"] for row in kept if row["host"] == "C"] == ["C"]
    ledger.close()
    again = Ledger(tmp_path / "relay.db", {"quarantine_per_host": 5})  # the counts persist
    assert again.rejected_counts() == {"B": 200, "C": 1}


def test_a_ledger_from_before_the_counts_keeps_its_counts(tmp_path: Path):
    import sqlite3

    ledger = Ledger(tmp_path / "relay.db")
    for n in range(3):
        ledger.quarantine(envelope("B", n), "forged")
    ledger.close()
    with sqlite3.connect(tmp_path / "relay.db") as conn:
        conn.execute("DROP TABLE rejected_counts")
    assert Ledger(tmp_path / "relay.db").rejected_counts() == {"B": 3}


def test_a_host_may_hold_only_so_many_records_waiting(tmp_path: Path):
    ledger = Ledger(tmp_path / "relay.db", {"waiting_per_host": 3})
    for n in range(10):
        ledger.hold(envelope("B", n), "membership state 99 not yet received")
    ledger.hold(envelope("B", 0), "still waiting")  # held already: kept
    ledger.hold(envelope("C", 0), "membership state 99 not yet received")
    assert ledger.waiting_count() == 4
    assert ledger.rejected_counts() == {"B": 7}
    [reason] = {row["reason"] for row in ledger.rejected()}
    assert reason.startswith("3 records from this host wait already")


def test_reading_the_counts_takes_no_write_lock_while_the_relay_writes(tmp_path: Path):
    """`peers relay status` opens the ledger while the running relay commits; with nothing
    refused yet, opening it once wrote (an INSERT of no rows) and so waited 5 s on the relay's
    transaction and failed "database is locked" (a relay test saw the status empty)."""
    import sqlite3

    Ledger(tmp_path / "relay.db").close()
    relay = sqlite3.connect(tmp_path / "relay.db", isolation_level=None)
    relay.execute("BEGIN IMMEDIATE")  # the relay in the middle of a batch
    try:
        reader = Ledger(tmp_path / "relay.db")
        assert reader.rejected_counts() == {}
        reader.close()
    finally:
        relay.execute("ROLLBACK")
        relay.close()
