"""A row at a place of someone's chain that does not verify as their record (its signature
bad, say) holds no place (README rule 2: a place counts only from a row that verifies as that
author's record), as a row too large to be any record holds none (docs/relay.md, "Loose
ends, third round"). A record built on such a row follows nothing: "an earlier record by this
author is missing" on the host whose file holds the row, as on every host that never got it
(no relay sends a row that does not verify). Before, the host holding the row judged the
record on it genuine, so its validity depended on which host read it.

Attacker style: a member's own key signs the records (their modified client), written
straight into the file; the bad row's signature is then spoiled with plain sqlite3."""

from __future__ import annotations

import sqlite3

import pytest

from peers_tui.core.account import Account
from peers_tui.core.lean_window import newest_window
from peers_tui.testing.forge import Forger
from tests.conftest import User

MISSING = "an earlier record by this author is missing"


def spoil_signature(db, message_id: str) -> None:
    """Flip one bit of the row's signature: the text stays valid JSON, its place the same."""
    with sqlite3.connect(db) as conn:
        [(sig,)] = conn.execute("SELECT sig FROM message WHERE id = ?", (message_id,))
        conn.execute("UPDATE message SET sig = ? WHERE id = ?",
                     (bytes([sig[0] ^ 1]) + bytes(sig[1:]), message_id))
    conn.close()


def forge_on_a_bad_row(bob: User, alice: User, team: str, how: str) -> tuple[str, str]:
    """In alice's file: a row at bob's next place that is not his record there (`how`), then
    bob's genuine record built on it by hash. Returns (bad row id, record on it id)."""
    db = alice.hub / f"{team}.db"
    forger = Forger(bob.home)
    if how == "bad signature":
        bad = forger.message(db, team, "signed badly")
        spoil_signature(db, bad)
    elif how == "signed by someone else":  # alice signs bob's next place, columns say bob
        aseq, aprev = forger.chain_head(db)
        bad = Forger(alice.home).message(db, team, "not bob's", aseq=aseq + 1, aprev=aprev,
                                         columns={"author": forger.user_id})
    else:  # bob's own key and place, but another group's record
        other = bob.ok("create", "elsewhere").out.strip()
        aseq, _ = forger.chain_head(db)
        bad = forger.message(db, other, "from elsewhere", aseq=aseq + 1, aprev="", mseq=0)
    after = forger.message(db, team, "built on it")
    return bad, after


@pytest.mark.parametrize("how", ["bad signature", "signed by someone else",
                                 "another group's record"])
def test_a_record_built_on_a_row_that_does_not_verify_is_not_genuine(how, alice: User,
                                                                     bob: User, team: str):
    bob.ok("send", "team", "first")  # bob's place 1, in alice's file too (one hub)
    bad, after = forge_on_a_bad_row(bob, alice, team, how)

    verified = alice.run("verify", "team")
    failed = [line.strip() for line in verified.out.splitlines() if "FAILED" in line]
    assert verified.code == 1, verified.out
    assert any(bad in line for line in failed), failed
    [on_it] = [line for line in failed if after in line]
    assert MISSING in on_it, failed

    log = alice.ok("log", "team").out
    [line] = [line for line in log.splitlines() if "built on it" in line]
    assert f"UNVERIFIED: {MISSING}" in line, log

    account = Account(alice.home, alice.hub)  # the full read, and the first frame's lean one
    try:
        entry = account.resolve("team")
        full = account.store(entry).recent(10)
        lean = newest_window(entry.db_file, entry.id, 10)
    finally:
        account.close()
    assert lean is not None and lean.views == full
    [view] = [view for view in full if view.body == "built on it"]
    assert not view.verified and view.problem is not None and MISSING in view.problem, view
    assert [v.body for v in full if v.verified] == ["first"]
