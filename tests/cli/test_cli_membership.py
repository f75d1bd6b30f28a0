"""The CLI contract for groups, invites and membership, with several users on one hub."""

from __future__ import annotations

import sqlite3

import stat

import pytest

from peers_tui.core.account import Account
from peers_tui.core.encoding import now_ms
from peers_tui.core.roles import Role
from tests.conftest import User


def test_alice_invites_bob_who_joins_and_posts_and_alice_reads_it(alice: User, bob: User, team):
    bob.ok("send", "team", "hi from bob")
    log = alice.ok("log", "team", "--json").json()
    assert [(m["author"], m["body"], m["verified"]) for m in log] == [("bob", "hi from bob", True)]
    assert {"id", "author_id", "author", "body", "created_at", "verified"} <= set(log[0])
    assert log[0]["created_at"].endswith("Z") and "T" in log[0]["created_at"]
    text = alice.ok("log", "team").out
    assert "<bob> hi from bob" in text
    members = {m["handle"]: m for m in alice.ok("members", "team", "--json").json()}
    assert members["alice"]["role"] == "owner" and members["bob"]["role"] == "writer"


def test_group_db_file_is_0660(alice: User, team):
    path = alice.hub / f"{team}.db"
    assert stat.S_IMODE(path.stat().st_mode) == 0o660


def test_join_reads_code_from_stdin(alice: User, carol: User, team):
    code = alice.ok("invite", "team").out
    assert carol.ok("join", stdin=code).out.startswith("joined team")
    assert carol.ok("join", "-", stdin=code).code == 0  # joining twice is harmless


def test_stranger_cannot_post_or_join_with_a_wrong_code(alice: User, carol: User, team):
    # carol lists nothing, so the group is unknown to her
    assert "no group" in carol.fails("send", "team", "hello").err
    assert "not an invite code" in carol.fails("join", "hello").err
    assert "malformed" in carol.fails("join", f"peers1:{team}:!!!").err
    forged = alice.ok("invite", "team").out.strip()[:-4] + "aaaa"
    assert "not known" in carol.fails("join", forged).err
    assert "not in your hub" in carol.fails("join", "peers1:" + "a" * 26 + ":" + "b" * 52).err


def test_listed_but_not_member_cannot_post(alice: User, carol: User, team):
    # carol copies the group into her own Groups table by hand: a row there grants nothing
    Account(carol.home, carol.hub).personal.add_group(team, "team", alice.hub / f"{team}.db")
    assert "not a member" in carol.fails("send", "team", "sneaky").err
    groups = {g["name"]: g for g in carol.ok("groups", "--json").json()}
    assert groups["team"]["state"] == "not a member" and groups["team"]["role"] is None


def test_removed_member_cannot_post_and_sees_group_as_removed(alice: User, bob: User, team):
    alice.ok("remove", "team", "bob")
    assert "removed" in bob.fails("send", "team", "still here?").err
    groups = {g["name"]: g for g in bob.ok("groups", "--json").json()}
    assert groups["team"]["state"] == "removed"
    assert "bob" not in [m["handle"] for m in alice.ok("members", "team", "--json").json()]
    former = alice.ok("members", "team", "--all", "--json").json()
    assert {"handle": "bob", "state": "removed"}.items() <= next(
        m for m in former if m["handle"] == "bob").items()


def test_a_change_to_someone_no_longer_in_the_group_names_them(alice, bob, carol, team):
    """Seventeenth acceptance pass: the loser of a race (alice removed erin on the hub as
    carol, on another host, made her a writer) was told "target is not an active member"."""
    alice.ok("remove", "team", "bob")
    for args in (("role", "team", "bob", "reader"), ("remove", "team", "bob")):
        assert alice.fails(*args).err.strip() == (
            "peers: bob was removed from this group: nothing was changed")
    carol.ok("join", alice.ok("invite", "team").out.strip())
    carol.ok("leave", "team")
    assert alice.fails("role", "team", "carol", "reader").err.strip() == (
        "peers: carol has left this group: nothing was changed")


def _role_with_a_removal_between(monkeypatch, user: User, change: tuple, remover: User,
                                 removed: str) -> pytest.ExceptionInfo:
    """`user`'s role change (`change`: group, member, role) with `remover`'s `peers remove`
    of `removed` run after it looked and before it wrote; what it raised."""
    from peers_tui.core.errors import PeersError
    from peers_tui.core.membership_log import MembershipLog

    written = MembershipLog.set_role

    def removed_first(log, *args):
        remover.ok("remove", "team", removed)
        return written(log, *args)
    monkeypatch.setattr(MembershipLog, "set_role", removed_first)
    account = Account(user.home, user.hub)
    try:
        with pytest.raises(PeersError) as raised:
            account.set_role(*change)
    finally:
        account.close()
    return raised


def test_someone_removed_between_the_look_and_the_write_is_named(alice, bob, carol, team,
                                                                 monkeypatch):
    """The same race where it was seen (round 7 of that pass): the relay applied another
    host's removal of the target into this host's file after `peers role` had looked them
    up and before it wrote; here carol's `peers remove` in between."""
    carol.ok("join", alice.ok("invite", "team").out.strip())
    alice.ok("role", "team", "carol", "admin")
    raised = _role_with_a_removal_between(monkeypatch, alice, ("team", "bob", Role.READER),
                                          carol, "bob")
    assert str(raised.value) == "bob was removed from this group: nothing was changed"


def test_member_can_leave_and_then_cannot_post(alice: User, bob: User, team):
    bob.ok("leave", "team")
    assert "left" in bob.fails("send", "team", "bye").err
    assert {g["name"]: g["state"] for g in bob.ok("groups", "--json").json()}["team"] == "left"
    assert "founder" in alice.fails("leave", "team").err


def test_readers_cannot_post(alice: User, carol: User, team):
    carol.ok("join", alice.ok("invite", "team", "--role", "reader").out)
    assert "readers cannot post" in carol.fails("send", "team", "hi").err
    alice.ok("role", "team", "carol", "writer")
    carol.ok("send", "team", "now I can")


def membership_rows(user: User, group_id: str) -> int:
    with sqlite3.connect(user.hub / f"{group_id}.db") as db:
        return int(db.execute("SELECT COUNT(*) FROM group_members").fetchone()[0])


def test_role_ladder_rules(alice: User, bob: User, carol: User, make_user, team):
    dave = make_user("dave")
    carol.ok("join", alice.ok("invite", "team").out)
    dave.ok("join", alice.ok("invite", "team", "--role", "admin").out)
    # an admin manages those strictly below and grants only below admin
    dave.ok("role", "team", "bob", "reader")
    changes = membership_rows(alice, team)
    same = dave.fails("role", "team", "bob", "reader")  # a change that changes nothing
    assert same.err.strip().endswith("bob is already a reader: nothing was changed"), same.err
    assert "\n" not in same.err.strip()
    assert membership_rows(alice, team) == changes  # no record written
    assert "cannot grant admin" in dave.fails("role", "team", "carol", "admin").err
    assert "cannot grant owner" in dave.fails("role", "team", "carol", "owner").err
    assert "founder" in dave.fails("role", "team", "alice", "reader").err
    # writers manage nobody; nobody can touch the founder
    assert "cannot change" in carol.fails("remove", "team", "bob").err
    alice.ok("role", "team", "carol", "owner")  # only owners grant owner
    assert "founder" in carol.fails("remove", "team", "alice").err
    assert "an admin cannot change an owner" in dave.fails("remove", "team", "carol").err
    assert "a reader cannot change an owner" in bob.fails("remove", "team", "carol").err
    # admins cannot invite admins; writers cannot invite at all
    assert "an admin cannot invite an admin" in dave.fails("invite", "team", "--role", "admin").err
    assert "only admins" in bob.fails("invite", "team").err


def test_invite_uses_expiry_and_revocation(alice: User, carol: User, make_user, team):
    code = alice.ok("invite", "team", "--uses", "1").out.strip()
    carol.ok("join", code)
    dave = make_user("dave")
    assert "used up" in dave.fails("join", code).err

    revoked = alice.ok("invite", "team").out.strip()
    alice.ok("invite", "team", "--revoke", revoked)
    assert "revoked" in dave.fails("join", revoked).err

    by_id = alice.ok("invite", "team").out.strip()
    account = Account(alice.home, alice.hub)
    from peers_tui.core.invites import parse_code
    alice.ok("invite", "team", "--revoke", parse_code(by_id).key.public_id[:8])
    assert "revoked" in dave.fails("join", by_id).err

    # An hour: with 1 s, a loaded machine spent it on the refused join below ("invite had expired").
    live = account.invite("team", Role.WRITER, None, 3600)
    store = account.store(account.resolve("team"))
    # the invite expired a second ago: sign one whose expiry has passed
    key = store.create_invite(account.keypair, Role.WRITER, now_ms() - 1000, None)
    from peers_tui.core.invites import InviteCode
    assert "expired" in dave.fails("join", str(InviteCode(team, key))).err
    dave.ok("join", str(live))  # a live invite with an expiry still works


def test_group_resolution_by_id_prefix_and_name(alice: User):
    first = alice.ok("create", "same").out.strip()
    alice.ok("send", first, "by full id")
    alice.ok("send", first[:6], "by prefix")
    alice.ok("send", "same", "by name")
    second = alice.ok("create", "same").out.strip()
    err = alice.fails("send", "same", "which?").err
    assert "ambiguous" in err and first[:10] in err and second[:10] in err
    assert "no group" in alice.fails("send", "nope", "x").err
    assert "no group" in alice.fails("send", "abc", "x").err  # too short for a prefix


@pytest.mark.parametrize("args, message", [
    (["invite", "team", "--role", "king"], "unknown role"),
    (["invite", "team", "--expires", "soon"], "bad duration"),
    (["invite", "team", "--uses", "0"], "at least 1"),
    (["log", "team", "--limit", "x"], "not a number"),
    (["role", "team", "nobody", "reader"], "no member"),
    (["send", "team", ""], "empty"),
    (["send", "team", "bell\x07"], "control character"),
    (["send", "team", "x" * 16_001], "too long"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_gets_one_clear_line(alice: User, team, args, message):
    assert message in alice.fails(*args).err


def test_unreadable_database_is_a_clear_error(alice: User, team):
    path = alice.hub / f"{team}.db"
    path.write_bytes(b"this is not sqlite" * 100)
    err = alice.fails("send", "team", "x").err
    assert "team" not in err or "database" in err or "not" in err
    groups = {g["name"]: g for g in alice.ok("groups", "--json").json()}
    assert groups["team"]["state"] == "damaged" and groups["team"]["problem"]


def test_the_founder_hands_the_group_over_and_leaves(alice, bob, team):
    assert "someone else an owner" in alice.fails("leave", "team").err
    alice.ok("role", "team", "bob", "owner")
    alice.ok("leave", "team")
    roles = {m["handle"]: (m["role"], m["state"]) for m in bob.ok("members", "team", "--all", "--json").json()}
    assert roles == {"alice": ("owner", "left"), "bob": ("owner", "active")}
    # once gone, the founder is an ordinary member if they come back
    alice.ok("join", bob.ok("invite", "team").out.strip())
    bob.ok("role", "team", "alice", "reader")
    assert bob.ok("verify", "team").code == 0


def test_an_invite_by_default_admits_one_person_within_a_week(alice, bob, carol, team):
    result = alice.ok("invite", "team")
    assert result.out.count("\n") == 1 and result.out.startswith("peers1:")  # only the code
    assert "1 use, expires in 1 week" in result.err
    bob_code = result.out.strip()
    carol.ok("join", bob_code)
    dave = type(carol)("dave", carol.home.parent / "dave", carol.hub)
    dave.ok("id", "--handle", "dave")
    assert "used up" in dave.fails("join", bob_code).err
    many = alice.ok("invite", "team", "--uses", "unlimited", "--expires", "never")
    assert "unlimited uses, never expires" in many.err
    assert alice.run("invite", "team", "--expires", "soon").code == 2


def test_a_group_you_left_can_be_archived_and_brought_back(alice, bob, team):
    bob.ok("leave", "team")
    bob.ok("archive", "team")
    assert "team" not in bob.ok("groups").out
    listed = bob.ok("groups", "--all", "--json").json()
    assert [g["archived"] for g in listed if g["name"] == "team"] == [True]
    assert "(archived)" in bob.ok("groups", "--all").out
    assert bob.ok("log", "team").code == 0  # still readable by name
    bob.ok("archive", "team", "--undo")
    assert "team" in bob.ok("groups").out
    assert "personal group" in bob.fails("archive", "personal").err


def test_a_new_handle_shows_at_once_in_every_group(alice, bob, team):
    alice.ok("create", "other")
    bob.ok("send", "team", "before")
    bob.ok("id", "--handle", "robert")
    roster = {m["handle"] for m in alice.ok("members", "team", "--json").json()}
    assert roster == {"alice", "robert"}
    assert [m["author"] for m in alice.ok("log", "team", "--json").json()] == ["robert"]
    personal = bob.ok("members", "personal", "--json").json()
    assert [m["handle"] for m in personal] == ["robert"]
    assert bob.ok("verify").code == 0


def test_a_group_remembers_its_hub_and_says_so(alice, tmp_path):
    alice.ok("create", "here")
    other = type(alice)("alice", alice.home, tmp_path / "other-hub")
    other.ok("create", "there")
    listed = other.ok("groups").out
    assert f"(in {alice.hub})" in listed and "(in " not in listed.splitlines()[-1]
    assert other.ok("send", "here", "still found in its own hub").code == 0


def test_outstanding_invites_are_listed_and_revoked(alice, bob, carol, team):
    assert alice.ok("invite", "team", "--list").out == ""  # bob used the fixture's one
    alice.ok("invite", "team", "--uses", "3")
    gone = alice.ok("invite", "team", "--role", "reader").out.strip()
    listed = alice.ok("invite", "team", "--list", "--json").json()
    assert sorted(i["role"] for i in listed) == ["reader", "writer"]
    assert {i["uses_left"] for i in listed} == {1, 3}
    alice.ok("invite", "team", "--revoke", gone)
    [left] = alice.ok("invite", "team", "--list", "--json").json()
    assert left["role"] == "writer" and left["uses_left"] == 3
    carol.ok("join", alice.ok("invite", "team").out.strip())
    assert "only admins" in bob.fails("invite", "team", "--list").err
def test_joining_again_checks_the_code_and_says_already_a_member(alice: User, bob: User, team):
    """bob is in the group already: a good code says so; any other code is still refused."""
    code = alice.ok("invite", "team").out.strip()
    result = bob.ok("join", code)
    assert result.out.startswith("already a member of team") and "joined" not in result.out
    forged = code[:-4] + "aaaa"
    assert "not known" in bob.fails("join", forged).err
    account = Account(alice.home, alice.hub)
    store = account.store(account.resolve("team"))
    from peers_tui.core.invites import InviteCode
    key = store.create_invite(account.keypair, Role.WRITER, now_ms() - 1000, None)
    assert "expired" in bob.fails("join", str(InviteCode(team, key))).err
    revoked = alice.ok("invite", "team").out.strip()
    alice.ok("invite", "team", "--revoke", revoked)
    assert "revoked" in bob.fails("join", revoked).err
    assert "already a member" in bob.ok("join", code).out  # the good one still says so


def test_a_removed_admin_is_told_they_were_removed(alice, bob, carol, team):
    """The randomized soak across hosts (docs/relay.md, "Left, minor"): an admin whom the
    hub had removed meanwhile changed a role on a leaf that did not know it yet; the leaf
    caught up with the hub and tried again, and the user read "peers: signer is not a
    member", the membership replay's words for a forged record."""
    carol.ok("join", alice.ok("invite", "team").out.strip())
    alice.ok("role", "team", "bob", "admin")
    alice.ok("remove", "team", "bob")
    assert bob.fails("role", "team", "carol", "reader").err.strip() == (
        "peers: you cannot change a role: you were removed from this group")
    assert bob.fails("remove", "team", "carol").err.strip() == (
        "peers: you cannot remove a member: you were removed from this group")
    carol.ok("send", "team", "still a writer")  # nothing was changed


def test_a_removed_admin_leaving_or_revoking_is_told_so(alice, bob, team):
    """The other membership changes of one removed meanwhile, in the same words (they read
    "only an active member can leave, and only by themselves" and "only a member can revoke
    an invite, and only as themselves", the replay's)."""
    alice.ok("role", "team", "bob", "admin")
    code = bob.ok("invite", "team").out.strip()
    alice.ok("remove", "team", "bob")
    assert bob.fails("leave", "team").err.strip() == (
        "peers: you cannot leave: you were removed from this group")
    assert bob.fails("invite", "team", "--revoke", code).err.strip() == (
        "peers: you cannot revoke an invite: you were removed from this group")


def test_an_admin_removed_between_the_look_and_the_write_is_told_so(alice, bob, carol, team,
                                                                    monkeypatch):
    """The same, where the removal lands after `peers role` looked and before it wrote
    (on a leaf: the relay applied it, or the hub's changes were caught up with)."""
    carol.ok("join", alice.ok("invite", "team").out.strip())
    alice.ok("role", "team", "bob", "admin")
    raised = _role_with_a_removal_between(monkeypatch, bob, ("team", "carol", Role.READER),
                                          alice, "bob")
    assert str(raised.value) == "you cannot change a role: you were removed from this group"
