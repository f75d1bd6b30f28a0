"""CPU seconds of each scan turn of a long void walk, in process (docs/relay.md, "The void
walk a turn at a time (h-voidwalk)" and "The void walk's tail, linear (h-walktail)").

bob's modified client writes N void edits into his host's file, then a genuine message naming
the last; the relay's scanner (LocalScanner on a real file and ledger, as the relay runs it)
refuses the run, then walks it into `fork_evidence` WALK_TURN records a turn. Prints each
walk turn's CPU seconds and the records opened (parsed and their signature checked: not
found in core.opened_records' cache), then the same for three later scans of the file
(a message of alice's each: the standing cost of the moved run).

    .venv/bin/python scripts/void_walk_turns.py 6000
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from peers_tui.core import opened_records, raw_values  # noqa: E402
from peers_tui.relay.local import LocalScanner  # noqa: E402
from peers_tui.testing.forge import Forger  # noqa: E402
from tests.cli.test_relay_void_run import forge_run  # noqa: E402
from tests.conftest import SEEDS, User, plant_identity  # noqa: E402
from tests.core.test_void_walk_turns import alice_first_and_bobs_scanner  # noqa: E402

OPENED = [0]
_open_stored = raw_values.open_stored


def _counted(*args, **kwargs):  # type: ignore[no-untyped-def]
    OPENED[0] += 1
    return _open_stored(*args, **kwargs)


def turn(scanner: LocalScanner) -> tuple[float, int, int]:
    """One scan of the changed files: (CPU s, records opened, envelopes to publish)."""
    OPENED[0] = 0
    began = time.process_time()
    shipped = 0
    scanner.more = False
    for _, fresh, commit in scanner.changes():
        shipped += len(fresh)
        commit()
    return time.process_time() - began, OPENED[0], shipped


def main(count: int) -> None:
    opened_records.open_stored = _counted  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        users = {}
        for name in ("alice", "bob"):
            users[name] = User(name, root / name, root / "hub")
            plant_identity(users[name].home, SEEDS[name])
            users[name].ok("id", "--handle", name)
        alice, bob = users["alice"], users["bob"]
        team = alice.ok("create", "team").out.strip()
        bob.ok("join", alice.ok("invite", "team").out.strip())
        target, db, ledger, scanner = alice_first_and_bobs_scanner(alice, bob, team, root)

        def until_done(label: str) -> None:
            n = 0
            while True:
                cpu, opened, shipped = turn(scanner)
                n += 1
                with sqlite3.connect(db) as conn:
                    [(moved,)] = conn.execute("SELECT COUNT(*) FROM fork_evidence")
                print(f"{label} {n:3d}: {cpu:6.3f} CPU s, {opened:6d} opened, "
                      f"{shipped:4d} shipped, {moved} in fork_evidence", flush=True)
                if not scanner.more:
                    return

        until_done("settle")
        forge_run(Forger(bob.home), db, team, target, count)
        until_done("refuse")
        bob.ok("send", "team", "bob's next")
        began = time.process_time()
        until_done("walk")
        print(f"walk total {time.process_time() - began:.2f} CPU s", flush=True)
        for n in range(3):
            alice.ok("send", "team", f"alice's later {n}")
            until_done("later")
        scanner.close()
        ledger.db.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 6000)
