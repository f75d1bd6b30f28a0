"""The own-record restore (core/own_restore.py, README rule 9) when another member's record
holds the id of the user's deleted head: bob, a member able to write the host's group file,
deletes alice's newest message and writes his own record under its id in its place.

alice's pinned record is the original: her write chose its id above every id her file held,
so a record of another author under it is a copy made after reading hers. Before, a copy that
verified as its author's at its place was taken to hold the id, and the original went back
into `fork_evidence` only: alice's message was gone from every reader's log on this host,
bob's copy shown in its place (the copy even when the readers found it backdated), while
every host the original reached holds it. Now the original goes back into the message table
and the copy is set aside into `fork_evidence`, as a leaf's row yields to the hub's record of
its id (relay/hub_holds_id.py): bob's later records still stand on it.

Real group files on one hub, `peers` run as separate processes, the tampering with sqlite3.
"""

from __future__ import annotations

import sqlite3

import pytest

from peers_tui.core.ids import ulid_value
from peers_tui.testing.forge import Forger
from tests.cli.test_own_pin import signed_places


@pytest.mark.parametrize("signed", ["at_the_id_s_time", "now"])
def test_a_deleted_head_whose_id_another_member_took_goes_back_holding_it(
        alice, bob, team, signed):
    """`at_the_id_s_time`: bob's copy is a genuine record of his (signed at the time its id
    names); `now`: the readers find it backdated. Either way alice's 'two' is back in the
    log, verified, and bob's copy holds its place in his chain from `fork_evidence`."""
    db = alice.hub / f"{team}.db"
    alice.ok("send", "team", "one")
    two = alice.ok("send", "team", "two").out.strip()
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM message WHERE id = ?", (two,))
    mallory = Forger(bob.home)
    at = ulid_value(two) >> 80 if signed == "at_the_id_s_time" else None
    mallory.message(db, team, "copycat", id=two, t=at)
    bob_places = sorted(signed_places(db, team, mallory.user_id))

    sent = alice.spawn("send", "team", "three")
    assert sent.code == 0 and sent.err == "", sent.err

    me = Forger(alice.home).user_id
    places = signed_places(db, team, me)
    assert sorted(places) == [1, 2, 3, 4] and all(len(t) == 1 for t in places.values()), places
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT author, body FROM message WHERE id = ?",
                            (two,)).fetchall() == [(me, "two")]
        assert [text for (text,) in conn.execute("SELECT record FROM fork_evidence")
                if '"body":"copycat"' in text] != []
    assert sorted(signed_places(db, team, mallory.user_id)) == bob_places  # still his place
    for reader in (alice, bob):
        log = reader.ok("log", "team", "--json").json()
        assert [(m["body"], m["verified"]) for m in log if m["author_id"] == me] == [
            ("one", True), ("two", True), ("three", True)], log
        assert "copycat" not in [m["body"] for m in log]
    verified = alice.run("verify", "team")
    failed = [line for line in verified.out.splitlines() if "FAILED" in line]
    assert failed and all(two in line for line in failed), verified.out  # the copy, named
    bob.ok("send", "team", "after the copy")  # his chain goes on from the copy
    assert sorted(signed_places(db, team, mallory.user_id)) == [*bob_places, bob_places[-1] + 1]
    alice.ok("send", "team", "four")
    log = bob.ok("log", "team", "--json").json()
    assert [m["body"] for m in log if m["kind"] != "join"][-5:] == [
        "one", "two", "three", "after the copy", "four"] and all(
        m["verified"] for m in log if m["author_id"] == me), log
