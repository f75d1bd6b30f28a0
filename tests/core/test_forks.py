"""The fork rule (docs/relay.md "An author forking their own chain", README validity rule 2):
a place of an author's chain held by two different records, each signed by that author for
that place, is void for every record there, whichever tables hold them, for every reader
(log, verify, unread and mentions, invites, the TUI); the records after it are judged as
before. The attacker holds the key (bob equivocates) and writes straight into the file.
"""

from __future__ import annotations

import sqlite3

from peers_tui.core.encoding import record_hash
from peers_tui.testing.forge import Forger
from tests.conftest import User
from tests.core.test_validity import handles, log_json, path


def sql(user: User, group_id: str, statement: str, *params) -> list[tuple]:
    with sqlite3.connect(path(user, group_id)) as conn:
        return conn.execute(statement, params).fetchall()


def groups_row(user: User, name: str = "team") -> dict:
    [group] = [g for g in user.ok("groups", "--json").json() if g["name"] == name]
    return group


def record_of(user: User, group_id: str, body: str) -> str:
    [(text,)] = sql(user, group_id, "SELECT record FROM message WHERE body = ?", body)
    return text


def equivocate(alice: User, bob: User, team: str) -> None:
    """bob posts at place 1 of his chain, then signs a second message at place 1 too (the
    file's unique place index dropped, as anyone writing the file can)."""
    bob.ok("send", "team", "@alice the first at place one")
    sql(alice, team, "DROP INDEX message_author_author_seq")
    Forger(bob.home).message(path(alice, team), team, "@alice the second at place one",
                             aseq=1, aprev="")


def test_two_messages_signed_at_one_place_are_both_void(alice, bob, team):
    alice.ok("log", "team")  # read everything before
    equivocate(alice, bob, team)
    shown = {m["body"]: m for m in log_json(alice)}
    for body in ("@alice the first at place one", "@alice the second at place one"):
        assert shown[body]["verified"] is False and "forked chain" in shown[body]["problem"]
    report = alice.run("verify", "team")
    assert report.code == 1
    assert report.out.count("forked chain") >= 3  # both messages and the author's count
    group = groups_row(alice)
    assert group["unread"] == 0 and group["mentions"] == 0


def test_the_record_after_a_forked_place_is_judged_as_before(alice, bob, team):
    equivocate(alice, bob, team)
    Forger(bob.home).message(path(alice, team), team, "after the fork", aseq=2,
                             aprev=record_hash(record_of(alice, team, "@alice the second at place one")))
    shown = {m["body"]: m for m in log_json(alice)}
    assert shown["after the fork"]["verified"] is True


def test_a_message_and_an_invite_at_one_place_are_both_void(alice, bob, carol, make_user):
    """The existing message/invite case, under the same rule: bob (an admin) mints an invite
    at the place of his message; neither counts and the invite admits nobody."""
    group_id = alice.ok("create", "team").out.strip()
    bob.ok("join", alice.ok("invite", "team", "--role", "admin").out.strip())
    bob.ok("send", "team", "hello as admin")
    code = Forger(bob.home).invite(path(alice, group_id), group_id, aseq=1, aprev="")
    shown = {m["body"]: m for m in log_json(alice)}
    assert shown["hello as admin"]["verified"] is False
    assert "forked chain" in shown["hello as admin"]["problem"]
    carol.fails("join", code)
    assert "carol" not in handles(alice)


def test_two_invites_at_one_place_are_both_void(alice, bob, carol):
    """Two invites bob signed at one place of his chain: neither admits anyone (before the
    rule, only a message at an invite's place was a fork)."""
    group_id = alice.ok("create", "team").out.strip()
    bob.ok("join", alice.ok("invite", "team", "--role", "admin").out.strip())
    db = path(alice, group_id)
    first = Forger(bob.home).invite(db, group_id, aseq=1, aprev="")
    second = Forger(bob.home).invite(db, group_id, aseq=1, aprev="")
    for code in (first, second):
        carol.fails("join", code)
    assert "carol" not in handles(alice)
    report = alice.run("verify", "team")
    assert report.code == 1 and "forked chain" in report.out


def test_evidence_of_a_fork_kept_on_its_own_voids_the_message(alice, bob, team):
    """Another host keeps the second record in fork_evidence (its message table holds one
    record a place): the verdict is the same as with both in the message table."""
    bob.ok("send", "team", "the first at place one")
    db = path(alice, team)
    sql(alice, team, "DROP INDEX message_author_author_seq")
    Forger(bob.home).message(db, team, "the second at place one", aseq=1, aprev="")
    sql(alice, team, "INSERT INTO fork_evidence (author, author_seq, kind, record, sig)"
        " SELECT author, author_seq, 'msg', record, sig FROM message"
        " WHERE body = 'the second at place one'")
    sql(alice, team, "DELETE FROM message WHERE body = 'the second at place one'")
    [shown] = [m for m in log_json(alice) if m["body"] == "the first at place one"]
    assert shown["verified"] is False and "forked chain" in shown["problem"]
    report = alice.run("verify", "team")
    assert report.code == 1 and "1 places of their chain hold two records" in report.out


def test_junk_beside_a_genuine_record_is_no_fork(alice, bob, team):
    """Evidence must be signed by the author for that place: a file writer cannot void a
    genuine record by putting a row beside it."""
    bob.ok("send", "team", "genuine")
    [(author,)] = sql(alice, team, "SELECT author FROM message WHERE body = 'genuine'")
    other = Forger(alice.home).sign  # a record signed by someone else, claiming bob's place
    from peers_tui.core.kinds import RecordKind
    record = other(RecordKind.MSG, team, {"id": "7ZZZZZZZZZZZZZZZZZZZZZZZZZ", "type": "text",
                                           "body": "x", "aseq": 1, "aprev": "", "mseq": 0})
    sql(alice, team, "INSERT INTO fork_evidence (author, author_seq, kind, record, sig)"
        " VALUES (?, 1, 'msg', ?, ?)", author, record.text, record.sig)
    sql(alice, team, "INSERT INTO fork_evidence (author, author_seq, kind, record, sig)"
        " VALUES (?, 1, 'msg', '{}', x'00')", author)
    [shown] = [m for m in log_json(alice) if m["body"] == "genuine"]
    assert shown["verified"] is True
    assert "forked" not in alice.run("verify", "team").out


async def test_the_tui_shows_both_records_of_a_fork_as_unverified(alice, bob, team):
    from tests.tui_helpers import make_app, screen_text, wait_for
    equivocate(alice, bob, team)
    app = make_app(alice, "team")
    async with app.run_test(size=(140, 30)) as pilot:
        await wait_for(pilot, lambda: "the second at place one" in screen_text(app))
        text = screen_text(app)
        assert text.count("unverified: forked chain") == 2, text


def test_verify_lists_a_fork_the_same_whichever_table_holds_its_second_record(alice, bob, team):
    """The host where a fork was written holds both records in its message table, every
    other host the second one in fork_evidence: `peers verify` prints the same lines for
    both files (core.fork_listing), each record of the fork once, by its signed id."""
    equivocate(alice, bob, team)
    both_in_messages = alice.run("verify", "team").out
    second = "@alice the second at place one"
    [(message_id,)] = sql(alice, team, "SELECT id FROM message WHERE body = ?", second)
    sql(alice, team, "INSERT INTO fork_evidence (author, author_seq, kind, record, sig)"
        " SELECT author, author_seq, 'msg', record, sig FROM message WHERE body = ?", second)
    filed_twice = alice.run("verify", "team").out  # the same record in both tables: once
    sql(alice, team, "DELETE FROM message WHERE body = ?", second)
    as_evidence = alice.run("verify", "team").out
    assert both_in_messages == filed_twice == as_evidence, (both_in_messages, as_evidence)
    assert as_evidence.count("forked chain: another record") == 2
    assert f"message {message_id}: forked chain" in as_evidence
