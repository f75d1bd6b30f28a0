"""A row at a place of someone's chain that does not verify as their record (its signature
bad, say) holds no place (README rule 2: a place counts only from a row that verifies as that
author's record), as a row too large to be any record holds none (docs/relay.md, "Loose
ends, third round"). A record built on such a row follows nothing: refused on the host whose
file holds the row, as on every host that never got it (no relay sends a row that does not
verify), where "an earlier record by this author is missing"; here, whose file holds the row,
the words say so: "the record before it ... is altered or forged in this file (not deleted)"
(core.altered_before, core.altered_places). Before, the host holding the row judged the
record on it genuine, so its validity depended on which host read it.

Attacker style: a member's own key signs the records (their modified client), written
straight into the file, the bad row with its signature one bit off."""

from __future__ import annotations

from typing import Any

import pytest

from peers_tui.core.account import Account
from peers_tui.core.altered_places import ALTERED
from peers_tui.core.kinds import RecordKind
from peers_tui.core.lean_window import newest_window
from peers_tui.core.records import SignedRecord
from peers_tui.testing.forge import Forger
from tests.conftest import User

MISSING = ALTERED  # the row is in this file (core.altered_places)


class BadSigner(Forger):
    """A forger whose records carry a signature one bit off: valid JSON at the author's own
    place, written with the bad signature at once (a relay scanning the file meanwhile must
    never see the row signed well)."""

    def sign(self, kind: RecordKind, group_id: str | None, fields: dict[str, Any],
             t: int | None = None) -> SignedRecord:
        record = super().sign(kind, group_id, fields, t)
        return SignedRecord(record.text, bytes([record.sig[0] ^ 1]) + record.sig[1:],
                            record.cosig, record.data)


def forge_on_a_bad_row(bob: User, alice: User, team: str, how: str) -> tuple[str, str]:
    """In alice's file: a row at bob's next place that is not his record there (`how`), then
    bob's genuine record built on it by hash. Returns (bad row id, record on it id)."""
    db = alice.hub / f"{team}.db"
    forger = Forger(bob.home)
    if how == "bad signature":
        bad = BadSigner(bob.home).message(db, team, "signed badly")
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
