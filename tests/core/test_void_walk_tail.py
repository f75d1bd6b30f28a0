"""A void walk's turns cost their own records, not the run moved before them, and a later scan
of the file opens none of the evidence again (docs/relay.md, "The void walk's tail, linear
(h-walktail)"). Counted, not timed: the statements each scan turn runs on the group file
(sqlite3's trace callback on the scanner's kept connection) and the records it opens (parsed
and their signature checked: core.opened_records had none of them). Before, each turn passed
down through everything the earlier turns moved (one query a record) and read and opened the
whole of `fork_evidence` again; the scan after the walk opened every record in it.

And a mark of where the walk stopped is never trusted blindly: a moved record's row altered
in the file between turns (another process's write) makes the next turn pass down as before,
and stop where that record no longer holds (walk_turns.WalkMarks, evidence_view.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from peers_tui.core import opened_records
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.local import LocalScanner
from peers_tui.relay.walk_turns import WALK_TURN
from peers_tui.testing.forge import Forger
from tests.cli.test_relay_void_run import forge_run
from tests.conftest import User
from tests.core.test_void_walk_turns import alice_first_and_bobs_scanner

RUN = 6 * WALK_TURN + 40


class Counted:
    """One scan turn's work: statements on the group file, records opened."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.statements = self.opened = 0
        real = opened_records.open_stored

        def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.opened += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(opened_records, "open_stored", counted)

    def statement(self, sql: str) -> None:
        self.statements += 1

    def turn(self, scanner: LocalScanner) -> tuple[list[Envelope], int, int]:
        """(what one scan of the changed files ships, statements, records opened)."""
        for group_id in list(scanner.stores):
            scanner.stores[group_id].db.connection().set_trace_callback(self.statement)
        self.statements = self.opened = 0
        shipped: list[Envelope] = []
        scanner.more = False
        for _, fresh, commit in scanner.changes():
            shipped += [e for e in fresh if e.table in ("msg", "invite", "evidence")]
            commit()
        return shipped, self.statements, self.opened


def settle(count: Counted, scanner: LocalScanner) -> list[tuple[list[Envelope], int, int]]:
    turns = []
    while True:
        turns.append(count.turn(scanner))
        if not scanner.more:
            return turns


@pytest.fixture
def walk(alice: User, bob: User, team: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """bob's run of RUN void records refused by his host's scanner, then his genuine message
    naming its last: (the scanner, its counter, bob's group file), the walk not begun."""
    target, db, ledger, scanner = alice_first_and_bobs_scanner(alice, bob, team, tmp_path)
    count = Counted(monkeypatch)
    try:
        settle(count, scanner)
        forge_run(Forger(bob.home), db, team, target, RUN)
        assert all(not shipped for shipped, _, _ in settle(count, scanner))  # all refused
        bob.ok("send", "team", "bob's next")
        yield scanner, count, db
    finally:
        scanner.close()
        ledger.db.close()


def test_each_walk_turn_costs_its_own_records_and_a_later_scan_opens_none(
        walk, alice: User, bob: User) -> None:
    scanner, count, db = walk
    turns = settle(count, scanner)
    assert len(turns) == -(-RUN // WALK_TURN), [len(shipped) for shipped, _, _ in turns]
    evidence = [e.hash for shipped, _, _ in turns for e in shipped if e.table == "evidence"]
    assert len(evidence) == len(set(evidence)) == RUN
    assert "bob's next" in turns[-1][0][-1].text
    first, *rest = [(statements, opened) for _, statements, opened in turns[:-1]]
    # The run moved before a turn costs it nothing: before, the 6th turn ran ~1,300 more
    # statements than the 1st (a lookup a record passed) and opened the whole table again.
    for statements, opened in rest:
        assert statements <= first[0] + 20, (first, rest)
        assert opened <= WALK_TURN + 10, (first, rest)
    alice.ok("send", "team", "alice's later")  # another process's commit: the rows compared
    [(shipped, _, opened)] = settle(count, scanner)
    assert [e.table for e in shipped] == ["msg"] and opened <= 5, opened
    [shown] = [m for m in bob.ok("log", "team", "--json").json() if m["body"] == "bob's next"]
    assert shown["verified"] is True, shown
    assert bob.run("verify", "team").code == 0


def test_a_moved_record_altered_between_turns_is_not_passed_over(walk) -> None:
    scanner, count, db = walk
    shipped, _, _ = count.turn(scanner)
    shipped += count.turn(scanner)[0]
    assert scanner.more and [e.table for e in shipped] == ["evidence"] * 2 * WALK_TURN
    with sqlite3.connect(db) as conn:  # a moved record's signature spoiled by another process
        [(key,)] = conn.execute("SELECT id FROM fork_evidence ORDER BY id LIMIT 1 OFFSET ?",
                                (WALK_TURN + 10,)).fetchall()
        conn.execute("UPDATE fork_evidence SET sig = zeroblob(64) WHERE id = ?", (key,))
    # The walk passes down as it did before any mark, to that record, and no further: it
    # holds no place now, the run below it stays where it is, and bob's next goes out.
    shipped, _, _ = count.turn(scanner)
    assert [e.table for e in shipped] == ["msg"] and "bob's next" in shipped[0].text
    assert not scanner.more
    with sqlite3.connect(db) as conn:
        [(moved,)] = conn.execute("SELECT COUNT(*) FROM fork_evidence")
    assert moved == 2 * WALK_TURN
