"""A reader's pins never hold an invite a cut makes void (docs/relay.md, "Tenth acceptance
pass"). A read pins the chain heads of the invites that check out (`Pins.after_read`); the
invite log checks records, rows and chains, and leaves authority to each join. So an invite
bob signed after his leave under the state before it (void: README rule 4, a leave's clock)
was pinned as the verified head of his chain once he had come back; the relay then takes it
out of the file (relay.voided_here), and every later command of the reader warned "record N of
theirs, verified earlier, is gone or altered (history deleted)", for good. Seen on D of the
tenth pass with bob's forged invite.
"""

from __future__ import annotations

from peers_tui.core.encoding import now_ms
from peers_tui.core.group_store import GroupStore
from peers_tui.relay.voided_here import take_out_here
from peers_tui.testing.forge import Forger
from tests.conftest import User

HISTORY_DELETED = "verified earlier, is gone or altered"


def test_an_invite_signed_after_a_leave_is_not_pinned_as_verified(
        alice: User, bob: User, carol: User, team: str) -> None:
    alice.ok("role", "team", "bob", "admin")
    bob.ok("send", "team", "before")
    db = bob.hub / f"{team}.db"
    forger = Forger(bob.home)
    admin_state, _ = forger.membership_head(db)  # bob an admin: invites count under it
    bob.ok("leave", "team")
    carol.ok("join", alice.ok("invite", "team").out.strip())
    bob.ok("join", alice.ok("invite", "team").out.strip())  # back: a member again
    # A modified client of bob's: an invite under the state before his leave, signed now.
    forger.invite(db, team, mseq=admin_state, t=now_ms())
    read = carol.ok("log", "team")  # pins what verified
    assert HISTORY_DELETED not in read.err, read.err
    store = GroupStore(db, team)
    try:
        with store.session():
            voided = take_out_here(store, "A")  # the relay's scan takes the void invite out
    finally:
        store.close()
    assert [reason for _, reason in voided] == [
        "signed after its author was gone (left) (membership change 3) but names an earlier "
        "membership state"]
    after = carol.ok("log", "team")
    assert HISTORY_DELETED not in after.err, after.err
    assert carol.ok("verify", "team").code == 0
