"""SQL planted in a group file after a long-lived process opened it (the tenth attack pass,
docs/relay.md). A file holding a trigger or view that peers did not make is refused when it
is opened (core.database.schema), but that check ran once a file: the app's stores, the
relay's kept ones, the live-update notifier's readers and the lean path's connection went on
using the file. Someone who may write the file then planted a trigger, and the next INSERT of
the app (a send, a record the relay applied from another host) ran it: here it copies each new
body into a table of its own and deletes the row as it lands, so every later message on that
host vanishes for good; a view in place of a table fed a reader what it chose (or an endless
recursive query, hanging the notifier that watches every group). Now every connection to a
group file refuses, as SQLite prepares it, whatever a trigger or view would read or write
(an authorizer: core.database.files.refuse_planted_sql), in one line naming the cause."""

from __future__ import annotations

import sqlite3

import pytest

from peers_tui.core.account import Account
from peers_tui.core.change_tokens import content_token, open_reader
from peers_tui.core.errors import PeersError
from peers_tui.core.lean_reads import connect as lean_connect

STEAL_AND_DELETE = (
    "CREATE TABLE loot (body TEXT)",
    "CREATE TRIGGER copy_out AFTER INSERT ON message BEGIN"
    " INSERT INTO loot VALUES (new.body); END",
    "CREATE TRIGGER swallow AFTER INSERT ON message BEGIN"
    " DELETE FROM message WHERE rowid = new.rowid; END",
)


def plant(db, statements) -> None:
    with sqlite3.connect(db) as conn:
        for statement in statements:
            conn.execute(statement)


def bodies(db) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [body for (body,) in conn.execute("SELECT body FROM message ORDER BY rowid")]


def loot(db) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [body for (body,) in conn.execute("SELECT body FROM loot")]


def test_a_trigger_planted_after_the_app_opened_the_file_never_runs(alice, bob, team):
    db = alice.hub / f"{team}.db"
    alice.ok("send", "team", "alice 1")
    account = Account(alice.home, alice.hub)  # a running app: the file checked once, kept open
    try:
        assert [m.body for m in account.log("team")[0]][-1:] == ["alice 1"]
        plant(db, STEAL_AND_DELETE)
        with pytest.raises(PeersError) as refused:
            account.send("team", "alice 2")
        assert "trigger or view" in str(refused.value) and "\n" not in str(refused.value)
        assert loot(db) == [] and bodies(db) == ["alice 1"]  # it ran nothing, lost nothing
        with sqlite3.connect(db) as conn:  # once the planted triggers are gone, all is well
            conn.execute("DROP TRIGGER copy_out")
            conn.execute("DROP TRIGGER swallow")
        account.send("team", "alice 2")
    finally:
        account.close()
    assert bodies(db) == ["alice 1", "alice 2"] and loot(db) == []
    assert [m["body"] for m in alice.ok("log", "team", "--json").json()] == ["alice 1", "alice 2"]


def test_a_view_planted_in_place_of_a_table_is_not_read_by_open_readers(alice, bob, team):
    db = alice.hub / f"{team}.db"
    alice.ok("send", "team", "alice 1")
    notifier_reader = open_reader(db)  # the live-update notifier's kept connection
    lean = lean_connect(db)  # the lean path's (peers send, the app's first frame)
    assert lean is not None
    try:
        assert content_token(db, notifier_reader)[2] is not None
        plant(db, ("DROP TABLE invite",
                   "CREATE VIEW invite AS SELECT 424242 AS id, 'forged' AS record"))
        token = content_token(db, notifier_reader)
        assert 424242 not in token and token[0] == "unreadable", token
        with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
            lean.execute("SELECT id, record FROM invite").fetchall()
    finally:
        notifier_reader.close()
        lean.close()
    refused = alice.run("log", "team")  # a new process refuses the file at once, as before
    assert refused.code == 1 and "foreign view 'invite'" in refused.err


def test_the_hubs_answer_carries_no_invite_from_a_view_or_through_a_symlink(alice, bob, team):
    """relay.join_invites.invite_records (what the hub's answer to a stale membership change
    carries, under the relay's lock, on its event loop) read the group file with a plain
    connection of its own: views and triggers trusted, a symlink followed."""
    from peers_tui.core.invites import parse_code
    from peers_tui.relay.join_invites import invite_records

    db = alice.hub / f"{team}.db"
    key = parse_code(alice.ok("invite", "team").out.strip()).key.public_id
    join = [{"action": "join", "invite": key}]
    assert [item["text"] for item in invite_records(db, join)]  # the genuine one, carried
    elsewhere = alice.hub / "elsewhere.db"
    db.rename(elsewhere)
    db.symlink_to(elsewhere)
    assert invite_records(db, join) == []  # the hub opens regular files only
    db.unlink()
    elsewhere.rename(db)
    plant(db, ("ALTER TABLE invite RENAME TO kept",
               f"CREATE VIEW invite AS SELECT '{key}' AS key, 'invite' AS kind,"
               " 'planted' AS record, X'00' AS sig"))
    assert invite_records(db, join) == []


def test_an_index_planted_to_refuse_one_members_records_is_named(alice, bob, team):
    """A UNIQUE index partial to bob refused every later record of his in this file (his
    sends, and his records from other hosts through the relay), while `peers verify` and
    `peers doctor` said all was well. A file with an index peers did not make is refused
    now, as one with a planted trigger or view, with the index named."""
    db = alice.hub / f"{team}.db"
    bob.ok("send", "team", "bob 1")
    [bob_id] = {m["author_id"] for m in alice.ok("log", "team", "--json").json()
                if m["author"] == "bob"}
    plant(db, (f"CREATE UNIQUE INDEX censor ON message (author) WHERE author = '{bob_id}'",))
    for result in (bob.run("send", "team", "bob 2"), alice.run("verify", "team")):
        said = result.out + result.err
        assert result.code == 1 and "foreign index 'censor'" in said, result
        assert "Traceback" not in said and len(said.strip().splitlines()) == 1
    doctor = alice.run("doctor")
    assert "foreign index 'censor'" in doctor.out + doctor.err
    with sqlite3.connect(db) as conn:  # nothing stored was lost; without it all goes on
        conn.execute("DROP INDEX censor")
    bob.ok("send", "team", "bob 2")
    assert [m["body"] for m in alice.ok("log", "team", "--json").json()] == ["bob 1", "bob 2"]
