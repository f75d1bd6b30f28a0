"""A member whose authority ended signs a record beside one of their own below the cut
(README rule 4; docs/relay.md "Eleventh attack pass"). The cut names the record its signer
saw, and that record the ones below it by hash: a record off that chain is void and voids
nothing. Before, it was a fork of the genuine record: the removed admin's invite, used by
carol's join, went void with it, and so did the join and every later change of the log, the
admin's own removal among them (bob an admin again); a removed writer's old message went void.
"""

from __future__ import annotations

import sqlite3

import pytest

from peers_tui.core.encoding import record_hash
from peers_tui.testing.forge import Forger
from tests.core.test_validity import (  # noqa: F401 (admin_bob: a fixture)
    _user, admin_bob, end_authority, handles, log_json, member_seq, path)


# Why the record beside bob's invite is void: off the chain below the cut, at the cut's own
# place, or (a leave) signed after the leaver's own leave under an older state.
VOID = ("not on the chain", "saw at this place", "signed after its author was gone")


def _record_at(db, author: str, aseq: int) -> str:
    with sqlite3.connect(db) as conn:
        for table in ("message", "invite"):
            row = conn.execute(f"SELECT record FROM {table} WHERE author = ? AND author_seq = ?",
                               (author, aseq)).fetchone()
            if row:
                return row[0]
    raise AssertionError(f"no record at {aseq}")


@pytest.mark.parametrize("below", [False, True], ids=["at-the-cut", "below-the-cut"])
@pytest.mark.parametrize("how", ["removed", "demoted", "left"])
def test_a_record_beside_a_used_invite_after_the_cut_voids_nothing(how, below, alice, bob, carol,
                                                                   admin_bob):
    db = path(alice, admin_bob)
    carol.ok("join", bob.ok("invite", "team").out.strip())  # bob's invite: his place 2
    if below:
        bob.ok("send", "team", "after my invite")  # the cut comes at place 3
    old = member_seq(alice, admin_bob)  # a state in which bob was an admin
    dave = _user(alice, "dave")
    dave.ok("join", alice.ok("invite", "team").out.strip())
    end_authority(how, alice, bob)
    expected = handles(alice)
    bob_forger = Forger(bob.home)
    first = _record_at(db, bob_forger.user_id, 1)
    bob_forger.message(db, admin_bob, "beside my invite", mseq=old, aseq=2,
                       aprev=record_hash(first))

    for reader in (alice, carol, dave):  # dave never read the file with the forgery in it
        assert handles(reader) == expected, "the log stands, bob's own change among it"
        shown = {m["body"]: m for m in log_json(reader)}
        assert shown["beside my invite"]["verified"] is False
        assert shown["hello as admin"]["verified"] is True
        if below:
            assert shown["after my invite"]["verified"] is True
        report = reader.run("verify", "team")
        assert report.code == 1 and "beside my invite" not in report.out
        assert any(reason in report.out for reason in VOID), report.out
        assert "does not count" not in report.out and "history deleted" not in report.out
    erin = _user(alice, "erin")
    erin.ok("join", alice.ok("invite", "team").out.strip())
    assert "erin" in handles(alice)


def test_a_removed_writer_cannot_void_their_old_messages(alice, bob, carol, team):
    """bob posts three times, is removed, and signs a record at the place of each of the first
    two (invites: the message table holds one row a place): his messages stay genuine for
    every reader (before: "forked chain", gone from view)."""
    db = path(alice, team)
    for body in ("one", "two", "three"):
        bob.ok("send", "team", body)
    old = member_seq(alice, team)
    alice.ok("remove", "team", "bob")
    forger = Forger(bob.home)
    for aseq in (1, 2):
        below = record_hash(_record_at(db, forger.user_id, aseq - 1)) if aseq > 1 else ""
        forger.invite(db, team, mseq=old, aseq=aseq, aprev=below)
    carol.ok("join", alice.ok("invite", "team").out.strip())  # reads the file for the first time
    for reader in (alice, carol):
        shown = {m["body"]: m for m in log_json(reader)}
        assert [shown[b]["verified"] for b in ("one", "two", "three")] == [True, True, True]
        report = reader.run("verify", "team")
        assert report.code == 1 and "forked chain" not in report.out
        assert report.out.count("not on the chain") == 2, report.out
