"""The relay's count of a group against the hub (relay/census.py), on a real ledger and a
real group file: what explains a difference, and when a difference grew."""

from __future__ import annotations

import sqlite3

from peers_tui.relay import census
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.ledger import Ledger

GROUP = "a" * 26


def envelope(n: int, table: str = "msg", origin: str = "C") -> Envelope:
    return Envelope(GROUP, table, f'{{"n":{n}}}', b"sig", None, origin)


def test_what_explains_a_difference_on_a_leaf_and_at_the_hub(tmp_path):
    ledger = Ledger(tmp_path / "relay.db")
    try:
        ledger.quarantine(envelope(1), "signed by another key")  # C's, refused here: in the stream
        ledger.quarantine(envelope(2, origin="B"), "beyond where membership change 5 cut ...")
        ledger.quarantine(envelope(3, origin="B"), "written into this host's file: backdated")
        ledger.quarantine(envelope(4, "invite", "B"), "a lost race")
        ledger.hold(envelope(5, "member"), "waits for change 3")
        # B a leaf: the scan's own refusal is still in the file; the rest is not.
        assert census.explained(ledger, GROUP, "B", False) == {"m": 1, "i": 1, "r": 2}
        # B the hub: C's refused record and what waits never reached the stream.
        assert census.explained(ledger, GROUP, "B", True) == {"m": 0, "i": 1, "r": 1}
        assert census.explained(ledger, "b" * 26, "B", False) == {"m": 0, "i": 0, "r": 0}
    finally:
        ledger.close()


def test_a_difference_counts_when_it_grew_since_the_last_count(tmp_path):
    ledger = Ledger(tmp_path / "relay.db")
    try:
        level = {"m": 0, "i": 0, "r": 0}
        assert census.grown(ledger, GROUP, level) == []
        assert census.grown(ledger, GROUP, {"m": 0, "i": 0, "r": 2}) == ["r"]  # first count: from 0
        census.keep(ledger, GROUP, {"m": 0, "i": -1, "r": 2})  # a duplicate in the stream, junk here
        assert census.grown(ledger, GROUP, {"m": 0, "i": -1, "r": 2}) == []
        assert census.grown(ledger, GROUP, {"m": 1, "i": 0, "r": 1}) == ["m", "i"]
    finally:
        ledger.close()


def test_a_files_counts_and_record_hashes(tmp_path):
    from peers_tui.core.encoding import record_hash

    path = tmp_path / "g.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "CREATE TABLE group_members (seq INTEGER PRIMARY KEY, record TEXT);"
            "CREATE TABLE invite (id INTEGER PRIMARY KEY, record TEXT);"
            "CREATE TABLE message (id TEXT PRIMARY KEY, record TEXT);"
            "CREATE TABLE fork_evidence (id INTEGER PRIMARY KEY, record TEXT);"
            "INSERT INTO group_members VALUES (1, 'm1'), (2, 'm2');"
            "INSERT INTO message VALUES ('x', 'r1'), ('y', 'r2'), ('z', NULL);"
            "INSERT INTO fork_evidence VALUES (1, 'r3');")
        assert census.local_counts(conn) == {"m": 2, "i": 1, "r": 4}
        assert census.held_hashes(path) == {record_hash(t) for t in ("m1", "m2", "r1", "r2", "r3")}
        conn.execute("CREATE TABLE backfill_state (id INTEGER PRIMARY KEY)")
        assert census.local_counts(conn) is None  # a join's walk under way
