"""A read whose check of the pins ran before a relay applied a cut, and whose pins were written
after it (tests/cli/test_acceptance_third_pass.py's demotion, seen failing once at load 6):
bob's own write on the cut-off host had pinned his record beyond the cut; the read pinned the
membership head past the cut and left that pin standing, so once B's relay took the void record
out of the file every later read said "record 2 of theirs, verified earlier, is gone or altered
(history deleted)", for good. The interleaving is made here in one process, in its order."""

from __future__ import annotations

import sqlite3

from peers_tui.core.account import Account
from peers_tui.testing.forge import Forger
from tests.conftest import User
from tests.core.test_validity import admin_bob, path  # noqa: F401 (a fixture)


def test_pins_written_past_a_cut_bring_down_the_pin_it_made_void(alice: User, bob: User,
                                                                  admin_bob: str) -> None:
    db = path(alice, admin_bob)
    forger = Forger(bob.home)
    before = forger.membership_head(db)  # bob an admin who posted once (his record 1)
    alice.ok("role", "team", "bob", "reader")  # the cut: bob's chain at record 1
    alice.ok("role", "team", "bob", "writer")
    # bob's record 2, signed under the state before the cut (as on a host cut off from the
    # hub): void on every host; his own write there pinned it.
    void = forger.message(db, admin_bob, "cut off", mseq=before[0])
    account = Account(bob.home, bob.hub)
    entry, store = account.group_store("team")
    account.personal.pin_heads(entry.id, *before, {account.user_id: forger.chain_head(db)})
    # The read's check of the pins ran before the relay applied the cut (a check now would
    # see the cut and bring the pin down: the failure needs this order); its pins follow.
    account.pins.after_read(entry, store, store.recent(50))
    with sqlite3.connect(db) as conn:  # B's relay takes the void record out of the file
        conn.execute("DELETE FROM message WHERE id = ?", (void,))
    fresh = account.personal.group(entry.id)
    assert fresh is not None
    assert [str(p) for p in account.pins.problems(fresh, store)] == []
    logged = bob.run("log", "team")
    assert "history deleted" not in logged.out + logged.err, logged
