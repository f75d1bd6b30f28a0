"""Attacks on the validity rules (README "The validity rules"), as a hub user who can write the
group file (insert, delete or update any row, drop indexes, put back an older copy) and as a
member whose modified client signs anything with their own key (peers_tui.testing.forge).

Each test performs one attack and asserts it is held: the forged record is shown as not
genuine or reported, nothing genuine is lost or shown as doubtful, and no command prints a
traceback. Holes that need a change of the record format or of the membership replay rules
are marked xfail(strict=True) with the hole in one line.
"""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from peers_tui.core.encoding import now_ms, record_hash
from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.core.invites import parse_code
from peers_tui.testing.forge import Forger
from tests.conftest import User
from tests.core.test_validity import (  # noqa: F401 (admin_bob is a fixture)
    HOUR, _user, admin_bob, handles, log_json, member_seq, path,
)


def shown(user: User, group: str = "team") -> dict[str, dict]:
    return {m["body"]: m for m in log_json(user, group) if m.get("target") is None}


def another(like: User, name: str) -> User:
    user = User(name, like.home.parent / name, like.hub)
    user.ok("id", "--handle", name)
    return user


def no_traceback(*results) -> None:
    for result in results:
        assert "Traceback" not in result.err and "Traceback" not in result.out


def sql(user: User, group_id: str, statement: str, *params) -> list[tuple]:
    with sqlite3.connect(path(user, group_id)) as conn:
        return conn.execute(statement, params).fetchall()


# ----------------------------------------------------------------- authority after a cut
@pytest.mark.parametrize("how", ["removed", "demoted"])
def test_an_edit_of_ones_own_pre_cut_message_is_void(how, alice, bob, team):
    """bob edits a message he posted while a writer, after losing the right to write,
    naming the old state and naming the current one."""
    db = path(alice, team)
    target = bob.ok("send", "team", "original words").out.strip()
    old = member_seq(alice, team)
    if how == "removed":
        alice.ok("remove", "team", "bob")
    else:
        alice.ok("role", "team", "bob", "reader")
    forger = Forger(bob.home)
    forger.edit(db, team, target, "rewritten under the old state", mseq=old)
    forger.edit(db, team, target, "rewritten under the new state")
    forger.delete(db, team, target, mseq=old)
    view = shown(alice)["original words"]
    assert view["verified"] is True and view["edited"] is False and view["deleted"] is False
    changes = [r for r in log_json(alice) if r.get("target") == target]
    assert len(changes) == 3 and not any(e["verified"] for e in changes)
    assert alice.run("verify", "team").code == 1


def test_a_demoted_admin_cannot_delete_others_messages(alice, bob, admin_bob):
    db = path(alice, admin_bob)
    target = alice.ok("send", "team", "alice speaks").out.strip()
    old = member_seq(alice, admin_bob)
    alice.ok("role", "team", "bob", "writer")
    forger = Forger(bob.home)
    forger.delete(db, admin_bob, target, mseq=old)
    forger.delete(db, admin_bob, target)
    view = shown(alice)["alice speaks"]
    assert view["verified"] is True and view["deleted"] is False
    assert alice.run("verify", "team").code == 1


def test_an_import_by_a_removed_admin_is_void(alice, bob, admin_bob):
    db = path(alice, admin_bob)
    old = member_seq(alice, admin_bob)
    alice.ok("remove", "team", "bob")
    Forger(bob.home).message(
        db, admin_bob, "imported lie", type="imported", mseq=old,
        id=ulid_text(new_ulid(now_ms() - 1000 * HOUR)),
        extra={"orig_id": "x1", "orig_author": "alice", "orig_time": now_ms() - 1000 * HOUR})
    view = shown(alice)["imported lie"]
    assert view["verified"] is False and "cut its author's chain (removed)" in view["problem"]


def test_an_import_by_a_writer_is_void(alice, bob, team):
    Forger(bob.home).message(
        path(alice, team), team, "history by a writer", type="imported",
        id=ulid_text(new_ulid(now_ms() - 1000 * HOUR)),
        extra={"orig_id": "x1", "orig_author": "alice", "orig_time": now_ms() - 1000 * HOUR})
    view = shown(alice)["history by a writer"]
    assert view["verified"] is False and "needs an admin" in view["problem"]


def test_a_topic_by_a_writer_is_void(alice, bob, team):
    alice.ok("topic", "team", "genuine topic")
    Forger(bob.home).topic(path(alice, team), team, "writer's topic")
    assert alice.ok("topic", "team").out.strip() == "genuine topic"


def test_invites_beyond_the_minters_role_are_void(alice, bob, carol, admin_bob):
    """An admin mints an owner invite; a writer mints any invite; a join claims more than
    its invite grants."""
    db = path(alice, admin_bob)
    owner_code = Forger(bob.home).invite(db, admin_bob, role=60)
    Forger(carol.home).join(db, admin_bob, owner_code, "carol")
    assert "carol" not in handles(alice)
    dave = another(alice, "dave")
    dave.ok("join", alice.ok("invite", "team").out.strip())
    writer_code = Forger(dave.home).invite(path(alice, admin_bob), admin_bob, role=40)
    erin = another(alice, "erin")
    Forger(erin.home).join(db, admin_bob, writer_code, "erin")
    assert "erin" not in handles(alice)
    frank = another(alice, "frank")
    code = alice.ok("invite", "team").out.strip()
    Forger(frank.home).join(db, admin_bob, code, "frank", role=50)
    assert "frank" not in handles(alice)
    assert alice.run("verify", "team").code == 1


def test_a_join_countersigned_by_another_invite_key_does_not_count(alice, carol, team):
    db = path(alice, team)
    code = alice.ok("invite", "team").out.strip()
    other = parse_code(Forger(carol.home).invite(db, team))  # carol is no member: void invite
    Forger(carol.home).change(db, team, "join", invite_key=other.key, extra={
        "role": 40, "handle": "carol", "invite": parse_code(code).key.public_id})
    assert "carol" not in handles(alice)
    assert "not countersigned" in alice.ok("members", "team").err


def test_a_single_use_invite_cannot_be_used_twice_by_a_forged_join(alice, carol, team):
    db = path(alice, team)
    code = alice.ok("invite", "team").out.strip()  # one use by default
    carol.ok("join", code)
    dave = another(alice, "dave")
    Forger(dave.home).join(db, team, code, "dave")
    assert "dave" not in handles(alice) and "carol" in handles(alice)
    assert "used up" in alice.ok("members", "team").err


def test_a_removed_member_rejoining_through_a_forged_join_with_old_mseq_times(alice, bob, team):
    """bob, removed, joins with an old multi-use invite and backdates his join's time."""
    db = path(alice, team)
    code = alice.ok("invite", "team", "--uses", "5").out.strip()
    alice.ok("remove", "team", "bob")
    Forger(bob.home).join(db, team, code, "bob", t=1)
    assert "bob" not in handles(alice)


# ----------------------------------------------------------------- handles
def test_taking_another_members_handle_shows_fingerprints_and_refuses_ambiguity(alice, bob, team):
    Forger(bob.home).set_handle(path(alice, team), team, "alice")
    members = alice.ok("members", "team", "--json").json()
    assert [m["handle"] for m in members] == ["alice", "alice"]
    assert len({m["fingerprint"] for m in members}) == 2
    result = alice.fails("remove", "team", "alice")
    assert "ambiguous" in result.err


# ----------------------------------------------------------------- forks and reuse
def test_a_record_copied_from_another_group_is_void(alice, bob, team):
    other = alice.ok("create", "other").out.strip()
    alice.ok("send", "other", "said elsewhere")
    [(record, sig, author, aseq, kind, created, body, mid)] = sql(
        alice, other, "SELECT record, sig, author, author_seq, kind, created_at, body, id FROM message")
    sql(alice, team, "INSERT INTO message (id, author, author_seq, kind, created_at, body, record,"
        " sig) VALUES (?,?,?,?,?,?,?,?)", mid, author, aseq + 5, kind, created, body, record, sig)
    view = shown(alice)["said elsewhere"]
    assert view["verified"] is False


def test_a_message_reinserted_at_another_place_does_not_doubt_the_original(alice, bob, team):
    """The hub drops the unique index and files a copy of bob's genuine record as a second
    row (other id column): the copy is flagged, the original stays genuine, and verify
    does not accuse bob of forking his chain with his own record."""
    bob.ok("send", "team", "only once")
    sql(alice, team, "DROP INDEX message_author_author_seq")
    [(record, sig, author, aseq, kind, created, body)] = sql(
        alice, team, "SELECT record, sig, author, author_seq, kind, created_at, body FROM message")
    sql(alice, team, "INSERT INTO message (id, author, author_seq, kind, created_at, body, record,"
        " sig) VALUES ('7ZZZZZZZZZZZZZZZZZZZZZZZZZ',?,?,?,?,?,?,?)",
        author, aseq, kind, created, body, record, sig)
    rows = log_json(alice)
    assert [r["verified"] for r in rows] == [True, False]
    report = alice.run("verify", "team")
    assert report.code == 1 and "forked" not in report.out


def test_two_signed_records_at_one_place_of_a_message_chain_are_a_fork(alice, bob, admin_bob):
    """bob, an admin, is removed; with the unique index dropped he files a second record at
    a place below the cut (a topic naming the old state): a forked chain, neither counts."""
    db = path(alice, admin_bob)
    bob.ok("send", "team", "second")
    old = member_seq(alice, admin_bob)
    alice.ok("remove", "team", "bob")  # cut at bob's aseq 2
    sql(alice, admin_bob, "DROP INDEX message_author_author_seq")
    [first] = [r for (r,) in sql(alice, admin_bob, "SELECT record FROM message WHERE author_seq = 1")]
    Forger(bob.home).topic(db, admin_bob, "bob's retroactive topic", mseq=old, aseq=2,
                           aprev=record_hash(first))
    assert alice.ok("topic", "team").out.strip() == "(no topic)"
    report = alice.run("verify", "team")
    assert report.code == 1 and "forked" in report.out


# ----------------------------------------------------------------- the cut itself
def test_many_junk_rows_at_the_top_of_a_chain_do_not_move_the_cut(alice, bob, team):
    """The hub writes thirty unsigned rows above bob's chain just before alice removes him:
    the removal still cuts at bob's last genuine record, so his genuine history stays genuine."""
    bob.ok("send", "team", "genuine one")
    bob.ok("send", "team", "genuine two")
    bob_id = Forger(bob.home).user_id
    for place in range(3, 33):
        sql(alice, team, "INSERT INTO message (id, author, author_seq, kind, created_at, body,"
            " record, sig) VALUES (?, ?, ?, 'text', 0, 'junk', '{}', x'00')",
            f"7ZZZZZZZZZZZZZZZZZZZZZZZ{place:02d}", bob_id, place)
    alice.ok("remove", "team", "bob")
    view = shown(alice)
    assert view["genuine one"]["verified"] is True
    assert view["genuine two"]["verified"] is True


def test_a_place_reserved_high_in_ones_chain_does_not_raise_the_cut(alice, bob, admin_bob):
    """bob, an admin expecting removal, files one signed record far up his chain (place 50)
    so the removal 'sees' 50; afterwards he fills places 2.. with records naming the state
    before his removal. They lie beyond what the remover saw and must be void."""
    db = path(alice, admin_bob)
    old = member_seq(alice, admin_bob)
    forger = Forger(bob.home)
    forger.message(db, admin_bob, "reservation", aseq=50, aprev="x" * 52, mseq=old)
    alice.ok("remove", "team", "bob")
    sql(alice, admin_bob, "DELETE FROM message WHERE author_seq = 50")  # the hub tidies up
    forger.topic(db, admin_bob, "topic after removal", mseq=old)
    forger.message(db, admin_bob, "posted after removal", mseq=old)
    assert alice.ok("topic", "team").out.strip() == "(no topic)"
    view = shown(alice)
    assert view["posted after removal"]["verified"] is False
    assert view["hello as admin"]["verified"] is True


def test_a_member_who_left_cannot_choose_a_cut_above_what_they_will_sign(alice, bob, admin_bob):
    db = path(alice, admin_bob)
    old = member_seq(alice, admin_bob)
    forger = Forger(bob.home)
    forger.change(db, admin_bob, "leave", cut=[1_000_000, "z" * 52])
    assert handles(alice).get("bob") is None
    forger.message(db, admin_bob, "still here after leaving", mseq=old)
    forger.topic(db, admin_bob, "topic by someone who left", mseq=old)
    assert shown(alice)["still here after leaving"]["verified"] is False
    assert alice.ok("topic", "team").out.strip() == "(no topic)"


# ----------------------------------------------------------------- the membership log
def test_filling_a_gap_in_the_membership_log_does_not_undo_later_changes(alice, bob, team):
    """The log has no gaps: a change filed at head+5 does not count, the next genuine change
    goes at head+1 (the junk set aside, still reported), and nothing can be filed below it."""
    db = path(alice, team)
    forger = Forger(bob.home)
    head, head_hash = forger.membership_head(db)
    forger.set_handle(db, team, "bob2", seq=head + 5, prev=head_hash)  # leaves a gap
    assert "bob2" not in handles(alice)
    alice.ok("remove", "team", "bob")
    assert "bob" not in handles(alice)
    with pytest.raises(sqlite3.IntegrityError):  # the place below is taken by the removal
        forger.set_handle(db, team, "bob3", seq=head + 1, prev=head_hash, t=now_ms())
    assert "bob" not in handles(alice) and "bob3" not in handles(alice)
    assert "set aside" in alice.run("verify", "team").out


def test_a_change_set_aside_is_named_as_a_set_aside_row_not_as_the_change_at_its_place(
        alice, bob, team):
    """Junk filed into the membership log is set aside at the next genuine change; the warning
    every command then prints names it as a row set aside, not "change N does not count",
    which read as the genuine change now at N (docs/relay.md, "Eighth acceptance pass")."""
    db = path(alice, team)
    forger = Forger(bob.home)
    head, head_hash = forger.membership_head(db)
    forger.set_handle(db, team, "bob2", seq=head + 1, prev="0" * 64)
    alice.ok("remove", "team", "bob")  # takes place head + 1, the junk set aside
    warning = alice.ok("members", "team").err
    assert f"a row set aside from place {head + 1} does not count:" in warning, warning
    assert f"change {head + 1} does not count" not in warning, warning
    assert "`peers verify` lists it" in warning


def test_a_duplicate_membership_change_in_a_rebuilt_table_is_not_decided_by_row_order(alice, bob, carol, admin_bob):
    """The hub rebuilds group_members without its primary key and files, at the seq of alice's
    removal of bob, bob's own earlier-signed change (bob removes carol) as well. Whatever the
    row order, every reader gets the same roster, and it is reported."""
    db = path(alice, admin_bob)
    carol.ok("join", alice.ok("invite", "team").out.strip())
    forger = Forger(bob.home)
    head, head_hash = forger.membership_head(db)
    carol_id = Forger(carol.home).user_id
    alice.ok("remove", "team", "bob")
    rival = forger.sign("member", admin_bob, {"seq": head + 1, "prev": head_hash, "action": "remove",
                                              "member": carol_id, "cut": [0, ""]})
    rosters = []
    for rival_first in (False, True):
        sql(alice, admin_bob, "DROP TABLE IF EXISTS gm_copy")
        sql(alice, admin_bob, "CREATE TABLE gm_copy AS SELECT * FROM group_members")
        sql(alice, admin_bob, "DROP TABLE group_members")
        sql(alice, admin_bob, "CREATE TABLE group_members (seq INTEGER NOT NULL, member TEXT NOT NULL,"
            " record TEXT NOT NULL, sig BLOB NOT NULL, cosig BLOB)")
        rows = sql(alice, admin_bob, "SELECT seq, member, record, sig, cosig FROM gm_copy ORDER BY seq")
        extra = (head + 1, carol_id, rival.text, rival.sig, None)
        ordered = ([extra] + rows) if rival_first else (rows + [extra])
        with sqlite3.connect(db) as conn:
            conn.executemany("INSERT INTO group_members VALUES (?,?,?,?,?)",
                             [r for r in ordered if r[2] != rival.text or r is extra])
        result = alice.run("members", "team", "--json")
        no_traceback(result)
        assert "does not count" in result.err  # one of the two is reported
        rosters.append(result.out)
    assert rosters[0] == rosters[1]


# ----------------------------------------------------------------- invites
def test_a_revocation_cannot_undo_a_join_that_came_before_it(alice, bob, carol, admin_bob):
    db = path(alice, admin_bob)
    code = alice.ok("invite", "team", "--uses", "5").out.strip()
    before_join = member_seq(alice, admin_bob)
    carol.ok("join", code)
    carol.ok("send", "team", "carol was here")
    # A revocation is a change in the membership log: it can only come after the join.
    Forger(bob.home).revoke(db, admin_bob, parse_code(code).key.public_id)
    assert before_join < member_seq(alice, admin_bob)
    assert "carol" in handles(alice)
    assert shown(alice)["carol was here"]["verified"] is True
    assert "revoked" in _user(alice, "dave").fails("join", code).err  # but it holds from there on


def test_a_removed_admin_cannot_revoke_retroactively(alice, bob, carol, admin_bob):
    db = path(alice, admin_bob)
    code = alice.ok("invite", "team", "--uses", "5").out.strip()
    before_join = member_seq(alice, admin_bob)
    carol.ok("join", code)
    alice.ok("remove", "team", "bob")
    Forger(bob.home).revoke(db, admin_bob, parse_code(code).key.public_id)
    assert before_join < member_seq(alice, admin_bob)
    assert "carol" in handles(alice)
    _user(alice, "dave").ok("join", code)  # a removed admin's revocation does not count


def test_an_invite_revoked_by_removing_its_maker_stays_revoked(alice, bob, carol, admin_bob):
    code = bob.ok("invite", "team", "--uses", "5").out.strip()
    alice.ok("role", "team", "bob", "writer")  # revokes bob's invites
    alice.ok("role", "team", "bob", "admin")
    Forger(carol.home).join(path(alice, admin_bob), admin_bob, code, "carol")
    assert "carol" not in handles(alice)


def test_a_demoted_member_cannot_regain_the_role_by_leaving_and_rejoining(alice, bob, admin_bob):
    code = alice.ok("invite", "team", "--role", "admin", "--uses", "5").out.strip()
    alice.ok("role", "team", "bob", "reader")
    bob.ok("leave", "team")
    Forger(bob.home).join(path(alice, admin_bob), admin_bob, code, "bob")
    assert handles(alice).get("bob") in (None, "reader")


# ----------------------------------------------------------------- deletion and rollback
@pytest.mark.parametrize("kind", ["edit", "delete"])
def test_deleting_anothers_change_after_reading_it_is_reported(kind, alice, bob, team):
    """alice reads bob's edited (or deleted) message; the hub then deletes bob's change: the
    message reverts silently unless the read pinned the change too."""
    target = bob.ok("send", "team", "first words").out.strip()
    if kind == "edit":
        bob.ok("edit", "team", target, "second words")
    else:
        bob.ok("delete", "team", target)
    alice.ok("log", "team")
    sql(alice, team, "DELETE FROM message WHERE target IS NOT NULL")
    assert "history deleted" in alice.ok("log", "team").err
    assert "history deleted" in alice.ok("groups").out


def test_deleting_a_chain_record_in_the_middle_is_named_and_the_rest_stays_genuine(alice, bob, team):
    for word in ("one", "two", "three", "four"):
        bob.ok("send", "team", word)
    sql(alice, team, "DELETE FROM message WHERE body = 'two'")
    view = shown(alice)
    assert view["one"]["verified"] and view["four"]["verified"]
    assert "history deleted" in view["three"]["problem"]
    assert "missing (history deleted)" in alice.run("verify", "team").out


def test_rollback_after_a_membership_change_is_reported_everywhere(alice, bob, carol, team):
    carol.ok("join", alice.ok("invite", "team").out.strip())
    saved = path(alice, team).with_suffix(".old")
    shutil.copy(path(alice, team), saved)
    alice.ok("remove", "team", "carol")  # a write: pins the membership head
    shutil.copy(saved, path(alice, team))
    assert handles(alice).get("carol") == "writer"  # what the file says now...
    for text in (alice.ok("members", "team").err, alice.ok("groups").out,
                 alice.run("verify", "team").out, alice.ok("log", "team").err):
        assert "history deleted" in text  # ...but reported


# ----------------------------------------------------------------- unread and mentions
def test_unverified_messages_count_neither_as_unread_nor_as_mentions(alice, bob, carol, team):
    db = path(alice, team)
    alice.ok("log", "team")  # read everything
    Forger(carol.home).message(db, team, "@alice a non-member says hi")  # carol is no member
    Forger(bob.home).message(db, team, "@alice backdated", t=now_ms() - HOUR)
    sql(alice, team, "INSERT INTO message (id, author, author_seq, kind, created_at, body, record,"
        " sig) VALUES ('7ZZZZZZZZZZZZZZZZZZZZZZZZZ', ?, 99, 'text', 0, '@alice junk', '{}', x'00')",
        Forger(bob.home).user_id)
    [group] = [g for g in alice.ok("groups", "--json").json() if g["name"] == "team"]
    assert group["unread"] == 0 and group["mentions"] == 0
    bob.ok("send", "team", "@alice a genuine one")
    [group] = [g for g in alice.ok("groups", "--json").json() if g["name"] == "team"]
    assert group["unread"] == 1 and group["mentions"] == 1


# ----------------------------------------------------------------- derived state
def test_twenty_forged_topics_do_not_hide_the_genuine_topic(alice, bob, team):
    alice.ok("topic", "team", "the real topic")
    forger = Forger(bob.home)
    for number in range(25):
        forger.topic(path(alice, team), team, f"forged topic {number}")
    assert alice.ok("topic", "team").out.strip() == "the real topic"


def test_reply_previews_ignore_forged_changes_and_quote_only_messages(alice, bob, team):
    target = alice.ok("send", "team", "quoted text").out.strip()
    bob.ok("send", "team", "--reply-to", target, "a reply")
    Forger(bob.home).delete(path(alice, team), team, target)  # bob is no admin
    Forger(bob.home).edit(path(alice, team), team, target, "forged edit")  # not his message
    text = alice.ok("log", "team").out
    assert '(re alice: "quoted text") a reply' in text
    assert "UNVERIFIED edit" in text and "UNVERIFIED delete" in text


def test_a_reply_naming_an_unverified_message_says_so(alice, bob, carol, team):
    fake = Forger(carol.home).message(path(alice, team), team, "fake words")
    bob.ok("send", "team", "plain")
    Forger(bob.home).message(path(alice, team), team, "re fake", reply=fake)
    view = shown(alice)["re fake"]
    assert "fake words" not in alice.ok("log", "team").out.split("re fake")[0].splitlines()[-1]
    assert view["verified"] is True


# ----------------------------------------------------------------- junk in chain columns
@pytest.mark.parametrize("value", ["NULL", "'2'", "2.5", "x'02'", "-1", "9223372036854775807"])
def test_junk_in_chain_columns_is_isolated(value, alice, bob, team):
    bob.ok("send", "team", "genuine")
    bob_id = Forger(bob.home).user_id
    with sqlite3.connect(path(alice, team)) as conn:
        for table in ("invite",):
            conn.execute(f"INSERT INTO {table} (key, kind, record, sig, author, author_seq)"
                         f" VALUES ('k', 'invite', '{{}}', x'00', ?, {value})", (bob_id,))
        conn.execute("DROP INDEX message_author_author_seq")
        conn.execute("CREATE TABLE m2 AS SELECT * FROM message")
    results = [alice.run("log", "team"), alice.run("verify", "team"), alice.run("members", "team"),
               alice.run("groups"), alice.run("export", "team")]
    no_traceback(*results)
    assert shown(alice)["genuine"]["verified"] is True
    bob.ok("send", "team", "still posting")
    assert shown(alice)["still posting"]["verified"] is True


@pytest.mark.parametrize("t", [-(2 ** 63), 2 ** 63 - 1, 2 ** 70, 0, 253_402_300_799_000])
def test_extreme_signing_times_are_isolated(t, alice, bob, team):
    db = path(alice, team)
    forger = Forger(bob.home)
    forger.message(db, team, "from the edge of time", t=t, id=ulid_text(new_ulid(now_ms())),
                   columns={"created_at": t if -(2 ** 63) <= t < 2 ** 63 else 0})
    results = [alice.run("log", "team"), alice.run("log", "team", "--json"),
               alice.run("verify", "team"), alice.run("groups"), alice.run("export", "team")]
    no_traceback(*results)
    view = shown(alice)["from the edge of time"]
    assert view["verified"] is False
    if t == 0:
        assert "backdated" in view["problem"]
    elif t < 2 ** 63:  # beyond that SQLite cannot hold it and the column cannot agree
        assert "out of range" in view["problem"]
    no_traceback(bob.run("send", "team", "his own client does not build on it"))
    alice.ok("send", "team", "after")
    assert shown(alice)["after"]["verified"] is True


def test_a_message_from_year_9999_does_not_stop_later_messages_being_placed_after_it(alice, bob, team):
    """bob signs a message dated in the far future with the highest possible id: later
    genuine messages still verify, and the log keeps working."""
    Forger(bob.home).message(path(alice, team), team, "from the future", t=now_ms(),
                             id="7ZZZZZZZZZZZZZZZZZZZZZZZZZ")
    result = alice.run("send", "team", "written now")
    no_traceback(result)
    assert result.code == 0
    assert shown(alice)["written now"]["verified"] is True


# ----------------------------------------------------------------- more combinations
def test_a_second_claim_on_an_invite_key_cannot_widen_its_terms(alice, bob, carol, admin_bob):
    db = path(alice, admin_bob)
    code = alice.ok("invite", "team").out.strip()  # one use
    key = parse_code(code).key.public_id
    forger = Forger(bob.home)
    aseq, aprev = forger.chain_head(db)
    record = forger.sign("invite", admin_bob, {
        "key": key, "role": 40, "expires": None, "uses": None,
        "mseq": member_seq(alice, admin_bob), "aseq": aseq + 1, "aprev": aprev})
    sql(alice, admin_bob, "INSERT INTO invite (key, kind, record, sig, author, author_seq)"
        " VALUES (?, 'invite', ?, ?, ?, ?)", key, record.text, record.sig, forger.user_id, aseq + 1)
    carol.ok("join", code)
    dave = another(alice, "dave")
    Forger(dave.home).join(db, admin_bob, code, "dave")
    assert "dave" not in handles(alice)


def test_a_genuine_change_refiled_against_another_message_leaves_that_message_alone(alice, bob, team):
    own = bob.ok("send", "team", "bob's words").out.strip()
    other = alice.ok("send", "team", "alice's words").out.strip()
    bob.ok("edit", "team", own, "bob's new words")
    [(record, sig, aseq, mid)] = sql(alice, team, "SELECT record, sig, author_seq, id FROM message"
                                     " WHERE target IS NOT NULL")
    sql(alice, team, "UPDATE message SET target = ? WHERE id = ?", other, mid)
    view = shown(alice)
    assert view["alice's words"]["verified"] is True and view["alice's words"]["edited"] is False
    assert view["bob's words"]["verified"] is True  # the edit left its own target: history shows
    assert alice.run("verify", "team").code == 1


def test_a_revocation_by_a_writer_does_not_revoke(alice, bob, carol, team):
    code = alice.ok("invite", "team").out.strip()
    Forger(bob.home).revoke(path(alice, team), team, parse_code(code).key.public_id)
    carol.ok("join", code)
    assert "carol" in handles(alice)
    assert "only admins and the invite's maker" in alice.run("verify", "team").out


@pytest.mark.parametrize("kind", ["topic", "invite", "revocation"])
def test_deleting_anothers_record_after_reading_is_reported(kind, alice, bob, admin_bob):
    """bob (an admin) writes; alice only reads; the hub then deletes bob's record."""
    code = alice.ok("invite", "team", "--uses", "3").out.strip()
    if kind == "topic":
        bob.ok("topic", "team", "bob's topic")
    elif kind == "invite":
        bob.ok("invite", "team")
    else:
        bob.ok("invite", "team", "--revoke", code)
    alice.ok("log", "team")
    if kind == "topic":
        sql(alice, admin_bob, "DELETE FROM message WHERE kind = 'topic'")
    elif kind == "invite":
        bob_id = Forger(bob.home).user_id
        sql(alice, admin_bob, "DELETE FROM invite WHERE author = ?", bob_id)
    else:  # a revocation is a change in the membership log
        sql(alice, admin_bob, "DELETE FROM group_members WHERE seq = "
            "(SELECT MAX(seq) FROM group_members)")
    assert "history deleted" in alice.ok("log", "team").err
    assert "history deleted" in alice.ok("groups").out
    assert "history deleted" in alice.run("verify", "team").out


def test_a_removed_member_cannot_act_through_an_old_membership_state_on_the_roster(alice, bob, carol, admin_bob):
    """bob, removed, signs a handle change and a leave (only an active member may) and a
    join with no invite: none of them count and bob stays removed."""
    db = path(alice, admin_bob)
    alice.ok("remove", "team", "bob")
    forger = Forger(bob.home)
    forger.set_handle(db, admin_bob, "alice")
    forger.change(db, admin_bob, "leave")
    forger.change(db, admin_bob, "join", extra={"role": 50, "handle": "bob", "invite": "x"})
    members = alice.ok("members", "team", "--all", "--json").json()
    assert [(m["handle"], m["state"]) for m in members if m["fingerprint"] == forger.user_id[:8]] \
        == [("bob", "removed")]


# ----------------------------------------------------------------- junk in signed columns
@pytest.mark.parametrize("cosig", ["'text'", "5", "x''"])
def test_junk_countersignatures_are_isolated(cosig, alice, bob, team):
    sql(alice, team, f"UPDATE group_members SET cosig = {cosig}"
        " WHERE seq = (SELECT MAX(seq) FROM group_members)")
    results = [alice.run("members", "team"), alice.run("log", "team"), alice.run("groups"),
               alice.run("verify", "team")]
    no_traceback(*results)
    assert results[3].code == 1


def test_deeply_nested_records_are_isolated(alice, bob, team):
    bob.ok("send", "team", "genuine")
    nested = "[" * 100_000 + "]" * 100_000
    bob_id = Forger(bob.home).user_id
    sql(alice, team, "INSERT INTO message (id, author, author_seq, kind, created_at, body, record,"
        " sig) VALUES ('7ZZZZZZZZZZZZZZZZZZZZZZZZZ', ?, 2, 'text', 0, 'x', ?, x'00')", bob_id, nested)
    sql(alice, team, "INSERT INTO invite (key, kind, record, sig, author, author_seq)"
        " VALUES ('k', 'invite', ?, x'00', ?, 3)", nested, bob_id)
    results = [alice.run("log", "team"), alice.run("verify", "team"), alice.run("members", "team"),
               alice.run("groups")]
    no_traceback(*results)
    assert shown(alice)["genuine"]["verified"] is True


async def test_the_tui_opens_a_group_holding_a_record_from_the_edge_of_time(alice, bob, team):
    from tests.tui_helpers import make_app, screen_text, wait_for
    Forger(bob.home).message(path(alice, team), team, "far future", t=2 ** 63 - 1,
                             id=ulid_text(new_ulid(now_ms())), columns={"created_at": 2 ** 63 - 1})
    Forger(bob.home).message(path(alice, team), team, "far past", t=-(2 ** 63), aseq=3,
                             id=ulid_text(new_ulid(now_ms())), columns={"created_at": -(2 ** 63)})
    alice.ok("send", "team", "genuine today")
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: "genuine today" in screen_text(app))
        text = screen_text(app)
        assert "far future" in text and "out of range" in text


def test_a_message_hidden_by_giving_its_row_a_target_is_reported(alice, bob, team):
    """The hub sets the target column of bob's genuine message: it leaves the log as if it
    were a change of another message. The log must say a record is missing."""
    for word in ("one", "two", "three"):
        bob.ok("send", "team", word)
    sql(alice, team, "UPDATE message SET target = '00000000000000000000000000' WHERE body = 'two'")
    view = shown(alice)
    assert "two" not in view or view["two"]["verified"] is False
    assert view["one"]["verified"] is True
    # The row is there, no longer a message: its place altered in this file (core.altered_places)
    assert "two" in view or "altered or forged in this file" in view["three"]["problem"]
    assert alice.run("verify", "team").code == 1


@pytest.mark.parametrize("column", ["member", "sig"])
def test_a_revocation_neutralised_by_editing_its_row_is_reported(column, alice, carol, team):
    code = alice.ok("invite", "team").out.strip()
    alice.ok("invite", "team", "--revoke", code)
    value = "x" * 52 if column == "member" else b"\0" * 64
    sql(alice, team, f"UPDATE group_members SET {column} = ? WHERE seq = "
        "(SELECT MAX(seq) FROM group_members)", value)
    carol.run("join", code)
    for text in (alice.ok("members", "team").err, alice.ok("log", "team").err,
                 alice.ok("groups").out, alice.run("verify", "team").out):
        assert "history deleted" in text


def test_an_invite_signed_earlier_than_its_makers_previous_message_is_backdated(alice, bob, carol, admin_bob):
    """Time order runs across one author's messages and invites alike."""
    code = Forger(bob.home).invite(path(alice, admin_bob), admin_bob, t=now_ms() - 24 * HOUR)
    assert "backdated" in alice.run("verify", "team").out
    Forger(carol.home).join(path(alice, admin_bob), admin_bob, code, "carol")
    assert "carol" not in handles(alice)
    assert shown(alice)["hello as admin"]["verified"] is True
