"""The relay ledger's quarantine keyed by group too (docs/relay.md, "An altered unsent row, and
the quarantine by group"): a record refused in two groups' files (a genuine record copied
into another group's file and void in its own, say) was kept once, under the group it was
refused in first, so the second group's lookup (`Ledger.refused_from`, which the scan asks
whether a predecessor named by a genuine record is void here) missed it. A ledger from before
is moved over when opened, its refusals and counts kept. Real SQLite files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from peers_tui.relay.envelope import Envelope
from peers_tui.relay.ledger import Ledger

ONE, TWO = "1" * 26, "2" * 26
TEXT = '{"a": "bob", "n": 1}'


def in_group(group: str) -> Envelope:
    return Envelope(group, "msg", TEXT, b"sig", None, "B")


def test_a_record_refused_in_two_groups_is_kept_in_each(tmp_path: Path):
    ledger = Ledger(tmp_path / "relay.db")
    ledger.quarantine(in_group(ONE), "record belongs to another group")
    ledger.quarantine(in_group(TWO), "row does not match its signed record (edited in the file)")
    digest = in_group(TWO).hash
    assert ledger.refused_from("B", ONE)(digest)
    assert ledger.refused_from("B", TWO)(digest)
    assert sorted(row["group"] for row in ledger.rejected()) == [ONE, TWO]
    ledger.quarantine(in_group(TWO), "again")  # the same refusal in the same group: once
    assert ledger.rejected_counts() == {"B": 2}
    ledger.close()


def test_a_ledger_keyed_by_hash_and_host_is_moved_over(tmp_path: Path):
    path = tmp_path / "relay.db"
    with sqlite3.connect(path) as db:  # the quarantine as ledgers before had it
        db.execute("CREATE TABLE quarantine (hash TEXT NOT NULL, host TEXT NOT NULL, group_id TEXT"
                   " NOT NULL, tbl TEXT NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL,"
                   " record TEXT NOT NULL, sig BLOB, cosig BLOB, PRIMARY KEY (hash, host))")
        db.execute("INSERT INTO quarantine VALUES (?, 'B', ?, 'msg', 'forged', 1, ?, x'00', NULL)",
                    (in_group(ONE).hash, ONE, TEXT))
    ledger = Ledger(path)
    assert ledger.refused_from("B", ONE)(in_group(ONE).hash)
    assert ledger.rejected_counts() == {"B": 1}
    ledger.quarantine(in_group(TWO), "edited in the file")
    assert ledger.refused_from("B", TWO)(in_group(TWO).hash)
    assert ledger.rejected_counts() == {"B": 2}
    ledger.close()
    again = Ledger(path)  # opened again: nothing moved twice
    assert len(again.rejected()) == 2
    again.close()


def test_a_refusal_counted_by_the_relay_while_another_process_opens_the_ledger(tmp_path: Path):
    """`peers relay rejected` opens the ledger (quarantine.prepare: counts filled from the kept
    rows when the counts table is empty) while the relay counts a refusal: between its look at
    the counts (none) and at the kept rows (the new one), the relay committed both, and its
    INSERT failed "UNIQUE constraint failed: rejected_counts.host" (a fresh-clone CI)."""
    from peers_tui.relay import quarantine

    path = tmp_path / "relay.db"
    relay = Ledger(path)  # the running relay's, nothing refused yet
    cli = sqlite3.connect(path, isolation_level=None)

    def between(statement: str) -> None:
        if statement.startswith("SELECT 1 FROM quarantine") and not relay.rejected_counts():
            relay.quarantine(in_group(ONE), "record belongs to another group")

    cli.set_trace_callback(between)
    try:
        quarantine.prepare(cli)
    finally:
        cli.set_trace_callback(None)
    assert quarantine.rejected_counts(cli) == {"B": 1}  # counted once, by the relay
    cli.close()
    relay.close()
