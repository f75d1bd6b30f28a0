"""A row dropped into a group file whose `author`/`author_seq` columns lie (a junk row, a
member's genuine record copied from another group, a record someone else signed) must not
move anyone's chain: `peers verify` names the row and reports no one's history as deleted, and
the chain heads a host pins and compares are the same with the row as without it.

Attacker style: records signed with keys the test holds, written straight into the file."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from peers_tui.core.group_store import GroupStore
from peers_tui.core.kinds import RecordKind
from peers_tui.testing.forge import Forger
from tests.conftest import User

TOP = 1_000_000


def heads(db, group_id: str) -> tuple[int, str, dict[str, tuple[int, str]]]:
    store = GroupStore(db, group_id)
    try:
        return store.heads()
    finally:
        store.close()


def forge_high_row(how: str, alice: User, bob: User, mallory: User, group_id: str,
                   other_group: str) -> str:
    """One row claiming to be alice's record at place TOP; returns its id."""
    db = alice.hub / f"{group_id}.db"
    if how == "copied from another group":  # alice's own key, the other group's id
        return Forger(alice.home).message(db, other_group, "from elsewhere", aseq=1, aprev="",
                                          mseq=0, columns={"author_seq": TOP})
    if how == "signed by a non-member":  # mallory's own record, at a high place
        return Forger(mallory.home).message(db, group_id, "mine", aseq=TOP, aprev="x" * 52)
    if how == "signed by someone else":  # bob signs; the columns say alice
        return Forger(bob.home).message(db, group_id, "I am alice", aseq=TOP, aprev="x" * 52,
                                        columns={"author": Forger(alice.home).user_id})
    # alice's key, this group, the columns' place: but the signed place is another
    return Forger(alice.home).message(db, group_id, "misplaced", aseq=3, aprev="y" * 52,
                                      columns={"author_seq": TOP})


@pytest.mark.parametrize("how", ["copied from another group", "signed by someone else",
                                 "signed for another place", "signed by a non-member"])
def test_a_row_lying_about_its_place_is_named_and_blames_nobody(how, alice: User, bob: User,
                                                               carol: User, team):
    other = alice.ok("create", "elsewhere").out.strip()
    for text in ("one", "two"):
        alice.ok("send", "team", text)
        bob.ok("send", "team", text)
    db = alice.hub / f"{team}.db"
    clean = alice.hub.parent / "clean-copy.db"
    shutil.copyfile(db, clean)
    before = heads(clean, team)
    forged_id = forge_high_row(how, alice, bob, carol, team, other)

    result = alice.run("verify", "team")
    assert result.code == 1
    assert forged_id in result.out, result.out
    assert "of their records are missing" not in result.out, result.out
    if how != "signed by a non-member":  # (whose own signed record does claim a place above
        # a gap in her own chain, and is reported so: it names nobody else)
        assert "missing" not in result.out and "history deleted" not in result.out, result.out
    # The heads pinned and compared across hosts do not move for the row.
    assert heads(db, team) == before
    # And what alice writes next builds on her genuine chain, and pins cleanly.
    alice.ok("send", "team", "after")
    assert "of their records are missing" not in alice.run("verify", "team").out


def test_heads_are_the_same_on_a_host_with_the_row_and_one_without(alice: User, bob: User, team):
    """Two hosts hold the same genuine records; one also holds a junk row in alice's name at
    a high place (in the message table and the invite table): their heads are equal."""
    alice.ok("send", "team", "hello")
    alice.ok("invite", "team")
    db = alice.hub / f"{team}.db"
    other_host = alice.hub.parent / "other-host.db"
    shutil.copyfile(db, other_host)
    forger = Forger(alice.home)
    record = forger.sign(RecordKind.MSG, "another-group", {
        "id": "01ZZZZZZZZZZZZZZZZZZZZZZZZ", "type": "text", "body": "x", "aseq": 1, "aprev": "",
        "mseq": 0})
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO message (id, author, author_seq, kind, created_at, body, record,"
                     " sig) VALUES ('01ZZZZZZZZZZZZZZZZZZZZZZZZ', ?, ?, 'text', 0, 'x', ?, ?)",
                     (forger.user_id, TOP, record.text, record.sig))
        conn.execute("INSERT INTO invite (key, kind, record, sig, author, author_seq)"
                     " VALUES ('junkkey', 'invite', ?, ?, ?, ?)",
                     (record.text, record.sig, forger.user_id, TOP + 1))
    assert heads(db, team) == heads(other_host, team)
