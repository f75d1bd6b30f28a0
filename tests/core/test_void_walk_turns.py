"""A long run of void records walked into evidence a scan turn at a time (relay/walk_turns.py,
docs/relay.md, "The void walk a turn at a time (h-voidwalk)"): bob's modified client writes a
run of void edits into his host's file, then a genuine message naming the last of them. The
relay's scan (LocalScanner, as the relay runs it, on a real file and ledger) moves at most
WALK_TURN records a turn, ships each turn's as evidence and nothing else of the tables, and
ships bob's message only in the turn that finishes the run: every record of the run goes,
once, before it (no host holds it without its predecessors: "history deleted")."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

from peers_tui.relay.envelope import Envelope
from peers_tui.relay.ledger import Ledger
from peers_tui.relay.local import LocalScanner
from peers_tui.relay.walk_turns import WALK_TURN
from peers_tui.testing.forge import Forger
from tests.cli.test_relay_void_run import forge_run
from tests.conftest import User

RUN = 2 * WALK_TURN + 40


def turns(scanner: LocalScanner, db: Path) -> list[list[Envelope]]:
    """What each scan turn ships until the scanner has nothing more (as runner._publish_once
    does: a turn that stops at a limit is followed by the next at once). After each, no row
    of the run left in the file is past the scanner's position: the next turn reads the
    record naming the run, not the run again (judging what is left of it at every turn)."""
    shipped = []
    while True:
        scanner.more = False
        for group_id, fresh, commit in scanner.changes():
            shipped.append([e for e in fresh if e.table in ("msg", "invite", "evidence")])
            commit()
            with sqlite3.connect(db) as conn:
                [(top,)] = conn.execute("SELECT MAX(rowid) FROM message WHERE body LIKE 'void %'")
            assert (top or 0) <= scanner.ledger.position(f"msg:{group_id}"), top
        if not scanner.more:
            return shipped


def alice_first_and_bobs_scanner(alice: User, bob: User, team: str, root: Path
                                 ) -> tuple[str, Path, Ledger, LocalScanner]:
    """alice's first message (the id bob's void run will name), bob's group file, and a
    scanner of his host over a ledger under `root`, as his relay would have them."""
    alice.ok("send", "team", "alice's first")
    [target] = [m["id"] for m in bob.ok("log", "team", "--json").json()
                if m["body"] == "alice's first"]
    ledger = Ledger(root / "relay.db")
    return target, bob.hub / f"{team}.db", ledger, LocalScanner(bob.hub, "B", ledger)


def test_a_long_void_run_goes_a_turn_at_a_time_and_the_record_naming_it_last(
        alice: User, bob: User, team: str, tmp_path: Path) -> None:
    target, db, ledger, scanner = alice_first_and_bobs_scanner(alice, bob, team, tmp_path)
    try:
        turns(scanner, db)
        forge_run(Forger(bob.home), db, team, target, RUN)
        refused = turns(scanner, db)
        bob.ok("send", "team", "bob's next")
        walk = turns(scanner, db)
    finally:
        scanner.close()
        ledger.db.close()
    assert refused and all(not shipped for shipped in refused), refused  # all void, none sent
    assert len(walk) == math.ceil(RUN / WALK_TURN), [len(shipped) for shipped in walk]
    for shipped in walk[:-1]:  # the run's evidence only, WALK_TURN a turn
        assert [e.table for e in shipped] == ["evidence"] * WALK_TURN
    *rest, last = walk[-1]
    assert [e.table for e in rest] == ["evidence"] * (RUN % WALK_TURN or WALK_TURN)
    assert last.table == "msg" and "bob's next" in last.text
    evidence = [e.hash for shipped in walk for e in shipped if e.table == "evidence"]
    assert len(evidence) == len(set(evidence)) == RUN
    [shown] = [m for m in bob.ok("log", "team", "--json").json() if m["body"] == "bob's next"]
    assert shown["verified"] is True, shown
    assert bob.run("verify", "team").code == 0
