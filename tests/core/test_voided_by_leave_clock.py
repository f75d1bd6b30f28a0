"""A record a leave makes void by its clock is taken out where it was applied before the leave
(docs/relay.md, "Ninth acceptance pass").

Whatever a leaver signs later than their leave (by their own clock) under an older state is
void, whatever place it claims (README rule 4; `roster.cut_problem`). A host that has the leave
first refuses such a record when it arrives; a host that applied it before the leave arrived
kept it, because the relay took out only records above the cut's place (`voided.py`): the
files differed (seen: erin's `sk-e-27`, on A and C and not on B).
"""

from __future__ import annotations

from pathlib import Path

from peers_tui.core.encoding import now_ms
from peers_tui.core.group_store import GroupStore
from peers_tui.relay.voided import take_out_voided
from peers_tui.testing.forge import Forger
from tests.conftest import User

MINUTE_MS = 60_000


def post_signed_after_a_leave(bob: User, team: str) -> tuple[Path, str]:
    """bob's file, with a post of his and his leave signed a minute before it: the post at
    the place after his head, naming the state before the leave (applied here before the
    leave arrived); the leave's cut ten places above his head (a modified client)."""
    bob.ok("send", "team", "before")
    db = bob.hub / f"{team}.db"
    forger = Forger(bob.home)
    head, _ = forger.chain_head(db)
    state, _ = forger.membership_head(db)
    leave_at = now_ms()
    late = forger.message(db, team, "after leaving", mseq=state, t=leave_at + MINUTE_MS)
    forger.change(db, team, "leave", cut=[head + 10, "0" * 64], t=leave_at)
    return db, late


def test_a_record_signed_after_its_authors_leave_below_the_cut_is_taken_out(
        alice: User, bob: User, team: str) -> None:
    db, late = post_signed_after_a_leave(bob, team)
    store = GroupStore(db, team)
    try:
        with store.session(), store.db.atomic():
            voided = take_out_voided(store, store.roster())
    finally:
        store.close()
    assert [reason for _, reason in voided] == [
        "signed after its author was gone (left) (membership change 2) but names an earlier "
        "membership state"]
    assert "after leaving" not in [m["body"] for m in alice.ok("log", "team", "--json").json()]
    assert late not in alice.ok("verify", "team").out
