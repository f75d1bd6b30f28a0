"""A junk row whose place is not an integer (text, a fraction, bytes) in the invite table or
`fork_evidence` (the attack pass on "Junk at your own next place", docs/relay.md). SQLite
sorts such a value above every integer, so the writer's look for their newest own record
(chains.own_head, newest first, table by table) met it first in that table and stopped
there: a member whose newest record was an invite (or a record of theirs set aside) then
signed their next message at that record's place, a fork of their own chain that voids both
on every host, written by their honest client because of one sqlite3 INSERT. Now such rows
are passed over like any junk."""

from __future__ import annotations

import sqlite3

import pytest

from peers_tui.testing.forge import Forger


@pytest.mark.parametrize("odd", ["junk", 7.5, b"\x01"])
def test_a_message_after_an_invite_takes_the_next_place_whatever_the_invite_table_holds(
        alice, team, odd):
    db = alice.hub / f"{team}.db"
    alice.ok("send", "team", "hello")
    assert alice.spawn("invite", "team").code == 0
    me = Forger(alice.home).user_id
    with sqlite3.connect(db) as conn:
        [(invite_place,)] = conn.execute("SELECT MAX(author_seq) FROM invite WHERE author = ?",
                                         (me,))
        conn.execute("INSERT INTO invite (key, kind, record, sig, author, author_seq)"
                     " VALUES ('junk', 'invite', 'junk', X'00', ?, ?)", (me, odd))
    done = alice.spawn("send", "team", "after the invite")
    assert done.code == 0, done.err
    with sqlite3.connect(db) as conn:
        [(place,)] = conn.execute("SELECT author_seq FROM message WHERE body = 'after the invite'")
    assert place == invite_place + 1
    verified = alice.run("verify", "team")
    assert "fork" not in verified.out, verified.out
