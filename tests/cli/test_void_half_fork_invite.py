"""A record void by a cut is no half of a fork (README rule 4, core/forks.py), and invites are
judged by that rule too.

Invites are judged before the membership log is replayed (its joins need them), so the cuts
were not known there: a place of an author's chain that a genuine invite and a record void
by a cut both held counted as a fork, and the invite was void. bob, an admin, wrote a record
(a message, or an invite) on a host cut off from his demotion (void: beyond the cut at his record 1, naming the state
before it); promoted again, he made an invite at the place the cut released (place 2). Once
the void record sat in the file at that place (kept in `fork_evidence`, as the relays keep a
contested record without the chain checks, or written back by anyone able to write the file),
carol's join with bob's invite no longer counted: she was no member, her message unverified,
and dave's join with the same invite was refused. A message at that place was judged with the
cuts and stood. Now the log is replayed with the invites' verdicts and the crowded places
judged again with its cuts (`MembershipLog.invites`).

Real group files on one hub, `peers` run as separate processes, the void record written with
the forger and moved with sqlite3.
"""

from __future__ import annotations

import sqlite3

import pytest

from peers_tui.testing.forge import Forger
from tests.core.test_validity import admin_bob, path  # noqa: F401 (a fixture)


@pytest.mark.parametrize("table", ["fork_evidence", "message", "invite"])
def test_a_record_void_by_a_cut_does_not_void_the_invite_signed_at_its_place(
        alice, bob, carol, make_user, admin_bob, table):
    db = path(alice, admin_bob)
    forger = Forger(bob.home)
    before = forger.membership_head(db)  # the state bob's cut-off host still had
    first = forger.chain_head(db)  # bob's record 1, where the demotion cuts his chain
    alice.ok("role", "team", "bob", "writer")
    alice.ok("role", "team", "bob", "admin")
    code = bob.ok("invite", "team", "--uses", "2").out.strip()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT author_seq FROM invite WHERE author = ?",
                            (forger.user_id,)).fetchall() == [(2,)]  # the released place
    carol.ok("join", code)
    carol.ok("send", "team", "carol here")

    if table == "invite":  # the void record an invite of his: its code stays refused
        void_code = forger.invite(db, admin_bob, mseq=before[0], aseq=2, aprev=first[1])
        refused = make_user("erin").spawn("join", void_code)
        assert refused.code == 1 and "cut its author's chain" in refused.err, refused.err
    else:
        void = forger.message(db, admin_bob, "cut off", mseq=before[0], aseq=2, aprev=first[1])
    if table == "fork_evidence":
        with sqlite3.connect(db) as conn:
            conn.execute("INSERT INTO fork_evidence (author, author_seq, kind, record, sig)"
                         " SELECT author, author_seq, 'msg', record, sig FROM message"
                         " WHERE id = ?", (void,))
            conn.execute("DELETE FROM message WHERE id = ?", (void,))

    dave = make_user("dave")
    joined = dave.spawn("join", code)
    assert joined.code == 0, joined.err
    members = {m["handle"]: m["role"] for m in alice.ok("members", "team", "--json").json()}
    assert members == {"alice": "owner", "bob": "admin", "carol": "writer",
                       "dave": "writer"}, members
    for reader in (alice, carol):
        log = reader.ok("log", "team", "--json").json()
        shown = [(m["body"], m["verified"]) for m in log if m["body"] in ("carol here", "cut off")]
        assert shown == [("carol here", True)] + (  # the void record, where readers look
            [("cut off", False)] if table == "message" else []), log
    verified = alice.run("verify", "team")
    failed = [line for line in verified.out.splitlines() if "FAILED" in line]
    assert all("cut its author's chain" in line for line in failed) and len(failed) == (
        table != "fork_evidence"), verified.out
