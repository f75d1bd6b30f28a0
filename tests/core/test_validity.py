"""The validity rules (README "How it works"), attacked with records signed by keys the attacker
holds and written straight into the group file with peers_tui.testing.forge.

Each test names the rule it attacks; every forged record must be shown as not genuine or
reported, by every reader, and nothing genuine may be lost or doubted.
"""

from __future__ import annotations

import pytest

from peers_tui.core.encoding import now_ms
from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.core.invites import parse_code
from peers_tui.testing.forge import Forger
from tests.conftest import User

HOUR = 3_600_000


def path(user: User, group_id: str):
    return user.hub / f"{group_id}.db"


def log_json(user: User, group: str = "team") -> list[dict]:
    return user.ok("log", group, "--json").json()


def handles(user: User, group: str = "team") -> dict[str, str]:
    return {m["handle"]: m["role"] for m in user.ok("members", group, "--json").json()}


def member_seq(user: User, group_id: str) -> int:
    return Forger(user.home).membership_head(path(user, group_id))[0]


@pytest.fixture
def admin_bob(alice: User, bob: User) -> str:
    """alice's group where bob is an admin who has posted once; returns the group id."""
    group_id = alice.ok("create", "team").out.strip()
    bob.ok("join", alice.ok("invite", "team", "--role", "admin").out.strip())
    bob.ok("send", "team", "hello as admin")
    return group_id


def cut_reason(how: str) -> str:
    """A leaver signed their own cut and its time: what they sign later under an older state
    is void by its time; after a removal or demotion, by its place beyond the cut."""
    return "signed after its author was" if how == "left" else "cut its author's chain"


def end_authority(how: str, alice: User, bob: User) -> None:
    if how == "removed":
        alice.ok("remove", "team", "bob")
    elif how == "left":
        bob.ok("leave", "team")
    else:
        alice.ok("role", "team", "bob", "writer")


# ----------------------------------------------------------------- cuts
@pytest.mark.parametrize("how", ["removed", "left", "demoted"])
def test_records_beyond_the_cut_under_an_old_state_are_void(how, alice, bob, carol, admin_bob):
    """After the change, bob signs every kind of record naming the state before it."""
    db = path(alice, admin_bob)
    before = member_seq(alice, admin_bob)
    carol.ok("join", alice.ok("invite", "team").out.strip())
    alice_invite = alice.ok("invite", "team").out.strip()
    end_authority(how, alice, bob)
    old = before  # a membership state in which bob was an admin
    bob_forger = Forger(bob.home)
    [first] = [m for m in log_json(alice) if m["body"] == "hello as admin"]
    bob_forger.topic(db, admin_bob, "bob's topic", mseq=old)
    bob_forger.edit(db, admin_bob, first["id"], "rewritten after the cut", mseq=old)
    code = bob_forger.invite(db, admin_bob, role=40, mseq=old)
    bob_forger.revoke(db, admin_bob, parse_code(alice_invite).key.public_id)
    if how != "demoted":
        bob_forger.message(db, admin_bob, "posted after the cut", mseq=old)

    for reader in (alice, carol):  # carol never saw the file before: same verdict
        shown = {m["body"]: m for m in log_json(reader)}
        assert shown["hello as admin"]["verified"] is True, "the genuine message stays genuine"
        assert reader.ok("topic", "team").out.strip() == "(no topic)"
        if how != "demoted":
            assert shown["posted after the cut"]["verified"] is False
            assert cut_reason(how) in shown["posted after the cut"]["problem"]
        report = reader.run("verify", "team")
        assert report.code == 1 and cut_reason(how) in report.out
    # the edit did not apply, and shows as a forged record of its own
    rows = log_json(alice)
    forged = [r for r in rows if r.get("kind") == "edit"]
    assert forged and forged[0]["verified"] is False and forged[0]["target"] == first["id"]
    # bob's invite minted beyond the cut cannot be used, by an honest client or a forged join
    dave = _user(alice, "dave")
    assert dave.fails("join", code).err.startswith("peers: ")
    Forger(dave.home).join(db, admin_bob, code, "dave")
    assert "dave" not in handles(alice)
    # bob's revocation beyond the cut did not revoke alice's invite
    erin = _user(alice, "erin")
    erin.ok("join", alice_invite)
    assert "erin" in handles(alice)


def _user(like: User, name: str) -> User:
    user = User(name, like.home.parent / name, like.hub)
    user.ok("id", "--handle", name)
    return user


def test_a_forked_chain_at_the_cut_is_void(alice, bob, admin_bob):
    """bob keeps a second record at the position the removal cut at: it is not the one the
    remover saw, so it cannot count as 'before the cut'."""
    db = path(alice, admin_bob)
    before = member_seq(alice, admin_bob)
    alice.ok("remove", "team", "bob")
    bob_forger = Forger(bob.home)
    # the cut is at bob's aseq 1 ("hello as admin"); a different record claims that place
    bob_forger.invite(db, admin_bob, mseq=before, aseq=1, aprev="")
    report = alice.run("verify", "team")
    assert report.code == 1 and "forked chain" in report.out


# ----------------------------------------------------------------- invites
@pytest.mark.parametrize("how", ["removed", "demoted"])
def test_removing_or_demoting_the_minter_revokes_their_invites(how, alice, bob, carol, admin_bob):
    code = bob.ok("invite", "team").out.strip()  # a valid invite while bob is an admin
    end_authority(how, alice, bob)
    result = carol.fails("join", code)
    assert "no longer allowed" in result.err
    Forger(carol.home).join(path(alice, admin_bob), admin_bob, code, "carol")
    assert "carol" not in handles(alice)
    assert "no longer allowed" in alice.run("verify", "team").out


def test_a_removed_member_cannot_rejoin_with_an_older_invite(alice, bob, team):
    code = alice.ok("invite", "team", "--uses", "5").out.strip()
    carol_like = _user(alice, "carol")
    carol_like.ok("join", code)
    alice.ok("remove", "team", "carol")
    assert "before this member was removed" in carol_like.fails("join", code).err
    Forger(carol_like.home).join(path(alice, team), team, code, "carol")
    assert handles(alice).get("carol") is None
    # a fresh invite made after the removal lets her back in
    carol_like.ok("join", alice.ok("invite", "team").out.strip())
    assert handles(alice)["carol"] == "writer"


def test_a_backdated_join_cannot_escape_expiry_once_an_admin_acted_after_it(alice, bob, carol, team):
    db = path(alice, team)
    expired_at = now_ms() - HOUR
    code = Forger(alice.home).invite(db, team, expires=expired_at)
    assert "expired" in carol.fails("join", code).err  # an honest client refuses
    alice.ok("role", "team", "bob", "reader")  # an admin's change dated after the expiry
    Forger(carol.home).join(db, team, code, "carol", t=expired_at - 1)  # claims to be early
    assert "carol" not in handles(alice)
    assert "expired" in alice.run("verify", "team").out


def test_the_stated_limit_of_expiry_without_a_later_admin_change(alice, carol, team):
    """README: with no admin-signed change dated after the expiry, a backdated join counts
    (there is no trusted clock). This test pins that documented limit."""
    db = path(alice, team)
    expired_at = now_ms() - HOUR
    code = Forger(alice.home).invite(db, team, expires=expired_at)
    Forger(carol.home).join(db, team, code, "carol", t=expired_at - 1)
    assert handles(alice).get("carol") == "writer"


def test_deleting_a_revocation_is_reported(alice, carol, team):
    import sqlite3
    code = alice.ok("invite", "team").out.strip()
    alice.ok("invite", "team", "--revoke", code)
    with sqlite3.connect(path(alice, team)) as conn:  # a revocation is a membership change
        conn.execute("DELETE FROM group_members WHERE seq = (SELECT MAX(seq) FROM group_members)")
    carol.ok("join", code)  # the file no longer says it was revoked...
    # ...but alice pinned her own chain when she revoked: every surface reports it
    assert "history deleted" in alice.ok("log", "team").err
    assert "history deleted" in alice.run("verify", "team").out
    assert "history deleted" in alice.ok("members", "team").err
    assert "history deleted" in alice.ok("groups").out


# ----------------------------------------------------------------- time order
def test_a_message_signed_before_its_authors_previous_one_is_backdated(alice, bob, team):
    bob.ok("send", "team", "now")
    Forger(bob.home).message(path(alice, team), team, "yesterday", t=now_ms() - 24 * HOUR)
    shown = {m["body"]: m for m in log_json(alice)}
    assert shown["now"]["verified"] is True
    assert shown["yesterday"]["verified"] is False
    assert shown["yesterday"]["problem"].startswith("backdated")


def test_an_id_older_than_its_signing_time_is_backdated(alice, bob, team):
    bob.ok("send", "team", "first")
    old_id = ulid_text(new_ulid(now_ms() - 24 * HOUR))
    Forger(bob.home).message(path(alice, team), team, "slipped into yesterday", id=old_id)
    [slipped] = [m for m in log_json(alice) if m["body"] == "slipped into yesterday"]
    assert slipped["verified"] is False and "id places it before" in slipped["problem"]


def test_a_first_message_older_than_the_authors_own_join_is_backdated(alice, bob, team):
    Forger(bob.home).message(path(alice, team), team, "before I joined", t=now_ms() - HOUR)
    [shown] = log_json(alice)
    assert shown["verified"] is False and "own membership change" in shown["problem"]


def test_imported_history_keeps_its_original_time_and_place(alice, team):
    alice.ok("send", "team", "today")
    line = '{"id": "x1", "author": "old-timer", "body": "from 2020", "created_at": "2020-01-02T03:04:05Z"}'
    alice.ok("import", "team", "-", stdin=line + "\n")
    rows = log_json(alice)
    assert [r["body"] for r in rows] == ["from 2020", "today"]
    assert all(r["verified"] for r in rows)
    assert alice.run("verify", "team").code == 0


# ----------------------------------------------------------------- deletion and rollback
@pytest.mark.parametrize("kind", ["message", "edit", "delete", "topic", "invite", "removal"])
def test_deleting_any_signed_record_is_reported(kind, alice, bob, carol, team):
    import sqlite3
    first = alice.ok("send", "team", "first").out.strip()
    if kind == "edit":
        alice.ok("edit", "team", first, "changed")
    elif kind == "delete":
        alice.ok("delete", "team", first)
    elif kind == "topic":
        alice.ok("topic", "team", "a topic")
    elif kind == "invite":
        alice.ok("invite", "team")
    elif kind == "removal":
        alice.ok("remove", "team", "bob")
    alice.ok("log", "team")  # alice reads: heads pinned
    assert alice.ok("verify", "team").code == 0
    with sqlite3.connect(path(alice, team)) as conn:
        if kind == "removal":
            conn.execute("DELETE FROM group_members WHERE seq = (SELECT MAX(seq) FROM group_members)")
        elif kind == "invite":
            conn.execute("DELETE FROM invite")
        else:
            conn.execute("DELETE FROM message WHERE author_seq = (SELECT MAX(author_seq) FROM message)")
    assert "history deleted" in alice.ok("log", "team").err
    assert "history deleted" in alice.run("verify", "team").out
    assert "history deleted" in alice.ok("members", "team").err
    assert "history deleted" in alice.ok("groups").out
    if kind == "removal":
        assert handles(alice).get("bob") == "writer"  # what the file now says, but reported


def test_a_file_put_back_to_an_older_copy_of_itself_is_reported(alice, bob, team):
    import shutil
    bob.ok("send", "team", "one")
    alice.ok("log", "team")
    saved = path(alice, team).with_suffix(".old")
    shutil.copy(path(alice, team), saved)
    bob.ok("send", "team", "two")
    alice.ok("role", "team", "bob", "reader")
    alice.ok("log", "team")
    shutil.copy(saved, path(alice, team))
    for line in (alice.ok("log", "team").err, alice.run("verify", "team").out,
                 alice.ok("members", "team").err, alice.ok("groups").out):
        assert "history deleted" in line


def test_a_rollback_to_before_your_own_last_action_is_caught_without_reading(bob, alice, team):
    """bob only writes (never reads): the write pinned his own chain and the membership head."""
    import shutil
    saved = path(bob, team).with_suffix(".old")
    shutil.copy(path(bob, team), saved)
    bob.ok("send", "team", "mine")
    shutil.copy(saved, path(bob, team))
    assert "history deleted" in bob.ok("log", "team").err


# ----------------------------------------------------------------- derived state
def test_a_forged_delete_leaves_the_genuine_message_genuine(alice, bob, team):
    target = alice.ok("send", "team", "keep me").out.strip()
    Forger(bob.home).delete(path(alice, team), team, target)  # bob is no admin
    message, forged = log_json(alice)
    assert message["body"] == "keep me" and message["verified"] is True
    assert message["deleted"] is False
    assert forged["kind"] == "delete" and forged["verified"] is False
    assert "neither its author nor an admin" in forged["problem"]


def test_reply_previews_show_the_current_state(alice, bob, team):
    first = bob.ok("send", "team", "draft text").out.strip()
    gone = bob.ok("send", "team", "will vanish").out.strip()
    alice.ok("send", "team", "--reply-to", first, "re first")
    alice.ok("send", "team", "--reply-to", gone, "re gone")
    bob.ok("edit", "team", first, "final text")
    bob.ok("delete", "team", gone)
    text = alice.ok("log", "team").out
    assert '(re bob: "final text") re first' in text
    assert '(re bob: "(message deleted)") re gone' in text
    assert "draft text" not in text and "will vanish" not in text


# ----------------------------------------------------------------- the TUI
async def test_the_tui_shows_a_banner_and_marks_the_group_when_history_was_cut(alice, bob, team):
    import shutil

    from textual.widgets import Static

    from tests.tui_helpers import make_app, wait_for
    bob.ok("send", "team", "one")
    alice.ok("log", "team")
    saved = path(alice, team).with_suffix(".old")
    shutil.copy(path(alice, team), saved)
    bob.ok("send", "team", "two")
    alice.ok("log", "team")
    shutil.copy(saved, path(alice, team))  # the file put back to an older copy
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        # mounted once the first frame is out (screens/chat_bars.py)
        await wait_for(pilot, lambda: bool(app.screen.query("#history-warning")))
        banner = app.screen.query_one("#history-warning", Static)
        await wait_for(pilot, lambda: banner.has_class("-visible"))
        assert "History deleted" in str(banner.render())
        await wait_for(pilot, lambda: any(s.warning for s in app.summaries if s.id == team))


def test_a_removed_admin_cannot_change_membership_after_the_removal(alice, bob, carol, admin_bob):
    """Membership changes are judged in the state just before them: whatever state bob's
    change claims, it comes after his removal in the log."""
    db = path(alice, admin_bob)
    carol.ok("join", alice.ok("invite", "team").out.strip())
    alice.ok("remove", "team", "bob")
    forger = Forger(bob.home)
    forger.change(db, admin_bob, "remove", Forger(carol.home).user_id)
    forger.change(db, admin_bob, "role", forger.user_id, extra={"role": 60})
    assert handles(alice) == {"alice": "owner", "carol": "writer"}
    assert "does not count" in alice.ok("members", "team").err
    assert alice.run("verify", "team").code == 1


def test_an_invite_record_forged_under_anothers_key_does_not_spoil_it(alice, bob, carol, team):
    """bob signs an invite record naming the key of alice's genuine invite, and files it
    before hers (a lower row id): carol's join with alice's code still counts."""
    import json
    import sqlite3
    code = alice.ok("invite", "team").out.strip()
    key = parse_code(code).key.public_id
    forger = Forger(bob.home)
    record = forger.sign("invite", team, {"key": key, "role": 60, "expires": None, "uses": None,
                                          "mseq": 1, "aseq": 1, "aprev": ""})
    with sqlite3.connect(path(alice, team)) as conn:
        conn.execute("INSERT INTO invite (id, key, kind, record, sig, author, author_seq)"
                     " VALUES (-1, ?, 'invite', ?, ?, ?, 1)",
                     (key, record.text, record.sig, forger.user_id))
    assert json.loads(record.text)["role"] == 60
    carol.ok("join", code)
    assert handles(alice)["carol"] == "writer"


def test_a_branch_forked_below_the_cut_is_not_let_through(alice, bob, carol, admin_bob):
    """bob keeps a second branch of his chain, starting below the place the removal cut at,
    and uses it after the removal to mint an invite 'from before'. The cut names the chain the
    remover saw, down by hash: the invite is off it, void, and voids nothing (before the
    eleventh attack pass it was a fork of "second", which went void with it:
    tests/core/test_cut_chain_forks.py)."""
    from peers_tui.core.encoding import record_hash
    import sqlite3
    db = path(alice, admin_bob)
    bob.ok("send", "team", "second")
    bob.ok("send", "team", "third")
    old = member_seq(alice, admin_bob)
    alice.ok("remove", "team", "bob")  # cut at bob's aseq 3
    with sqlite3.connect(db) as conn:
        first = conn.execute("SELECT record FROM message WHERE author_seq = 1").fetchone()[0]
    code = Forger(bob.home).invite(db, admin_bob, mseq=old, aseq=2, aprev=record_hash(first))
    Forger(carol.home).join(db, admin_bob, code, "carol")
    assert "carol" not in handles(alice)
    second = [m for m in log_json(alice) if m["body"] == "second"][0]
    assert second["verified"] is True
    report = alice.run("verify", "team")
    assert report.code == 1 and "not on the chain membership change" in report.out


async def test_the_tui_shows_a_forged_edit_as_its_own_line_and_keeps_the_message(alice, bob, team):
    from tests.tui_helpers import make_app, screen_text, wait_for
    target = alice.ok("send", "team", "the meeting is at 10").out.strip()
    Forger(bob.home).edit(path(alice, team), team, target, "cancelled")
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: "forged edit" in screen_text(app))
        text = screen_text(app)
        assert "the meeting is at 10" in text and "cancelled" not in text
        assert "⚠ unverified" not in text


def test_junk_at_the_top_of_a_chain_is_not_built_on(alice, bob, team):
    """A file writer puts an unsigned row at bob's next place, dated in year 9999: bob's
    client neither chains to it nor takes its time (nor an id after its far-future one); his
    next post sets it aside and takes the place (before, it was refused: docs/relay.md, "Junk
    at your own next place"), and nothing of his is flagged."""
    import sqlite3
    bob.ok("send", "team", "genuine")
    with sqlite3.connect(path(alice, team)) as conn:
        conn.execute("INSERT INTO message (id, author, author_seq, kind, created_at, body, record,"
                     " sig) VALUES ('7ZZZZZZZZZZZZZZZZZZZZZZZZZ', ?, 2, 'text', 253402300799000,"
                     " 'junk', '{\"t\": 253402300799000}', x'00')", (Forger(bob.home).user_id,))
    bob.ok("send", "team", "next")
    shown = {m["body"]: m for m in log_json(alice)}
    assert shown["genuine"]["verified"] is True and shown["next"]["verified"] is True
    assert "junk" not in shown and not shown["next"]["created_at"].startswith("9999")
    assert not shown["next"]["id"].startswith("7ZZ")
    alice.ok("remove", "team", "bob")  # the cut is at bob's last *genuine* record
    assert {m["body"]: m["verified"] for m in log_json(alice)}["genuine"] is True
