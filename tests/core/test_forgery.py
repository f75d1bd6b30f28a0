"""Someone who can write a group DB file edits, inserts and deletes rows: peers exposes each."""

from __future__ import annotations

import os
import shutil
import sqlite3

from peers_tui.core.encoding import record_hash
from peers_tui.testing.forge import Forger
from tests.conftest import User


def db(user: User, group_id: str) -> sqlite3.Connection:
    return sqlite3.connect(user.hub / f"{group_id}.db", isolation_level=None)


def log_json(user: User) -> list[dict]:
    return user.ok("log", "team", "--json").json()


def test_edited_body_is_flagged_and_reported(alice: User, bob: User, team):
    message_id = bob.ok("send", "team", "pay alice 5").out.strip()
    with db(alice, team) as conn:
        conn.execute("UPDATE message SET body = 'pay bob 500' WHERE id = ?", (message_id,))
    [message] = log_json(alice)
    assert message["verified"] is False and "edited" in message["problem"]
    assert "UNVERIFIED" in alice.ok("log", "team").out
    result = alice.run("verify", "team")
    assert result.code == 1 and message_id in result.out


def test_re_encoded_record_fails_its_signature(alice: User, bob: User, team):
    message_id = bob.ok("send", "team", "original").out.strip()
    with db(alice, team) as conn:
        record = conn.execute("SELECT record FROM message WHERE id=?", (message_id,)).fetchone()[0]
        forged = record.replace("original", "rewritten")
        conn.execute("UPDATE message SET record=?, body='rewritten' WHERE id=?", (forged, message_id))
    [message] = log_json(alice)
    assert message["verified"] is False and message["problem"] == "bad signature"
    assert alice.run("verify").code == 1


def forge_message(user: User, group_id: str, body: str, member_seq: int = 0, aseq: int = 1,
                  aprev: str = "", target_group: str | None = None) -> str:
    """Sign a message with `user`'s real key and insert it straight into the file."""
    return Forger(user.home).message(
        user.hub / f"{group_id}.db", target_group or group_id, body, mseq=member_seq, aseq=aseq,
        aprev=aprev, id="01ZZZZZZZZZZZZZZZZZZZZZZZ" + str(aseq))


def test_message_by_a_non_member_is_not_genuine(alice: User, carol: User, team):
    forge_message(carol, team, "I am in charge now")
    [message] = log_json(alice)
    assert message["verified"] is False
    assert message["problem"] == "author was not a member when it was written"
    assert "not a member" in alice.run("verify", "team").out


def test_message_copied_from_another_group_is_refused(alice: User, team):
    other = alice.ok("create", "other").out.strip()
    forge_message(alice, team, "meant for the other group", target_group=other)
    [message] = log_json(alice)
    assert message["problem"] == "record belongs to another group"


def test_reader_cannot_forge_a_post_by_claiming_old_state(alice: User, carol: User, team):
    carol.ok("join", alice.ok("invite", "team", "--role", "reader").out)
    forge_message(carol, team, "readers write too?", member_seq=2)
    [message] = log_json(alice)
    assert message["problem"] == "author was a reader when it was written; it needs a writer"


def forge_change(user: User, group_id: str, fields: dict) -> None:
    """Sign a membership change about `user` with their real key, chained to the last row,
    and insert it straight into the file."""
    fields = dict(fields)
    action = fields.pop("action")
    Forger(user.home).change(user.hub / f"{group_id}.db", group_id, action, extra=fields)


def test_forged_membership_change_is_ignored(alice: User, bob: User, carol: User, team):
    """bob writes a change promoting himself to owner straight into the file."""
    forge_change(bob, team, {"action": "role", "role": 80})
    roles = {m["handle"]: m["role"] for m in alice.ok("members", "team", "--json").json()}
    assert roles["bob"] == "writer"
    report = alice.run("verify", "team")
    assert report.code == 1 and "membership change 2" in report.out
    assert "only admins" in bob.fails("invite", "team").err
    # later genuine changes chain past the forged row and stay valid
    carol.ok("join", alice.ok("invite", "team").out)
    roles = {m["handle"]: m["role"] for m in alice.ok("members", "team", "--json").json()}
    assert roles == {"alice": "owner", "bob": "writer", "carol": "writer"}


def test_unsigned_join_without_invite_is_ignored(alice: User, carol: User, team):
    forge_change(carol, team, {"action": "join", "role": 40, "handle": "carol", "invite": "x"})
    assert "carol" not in [m["handle"] for m in alice.ok("members", "team", "--json").json()]
    assert "unknown invite" in alice.run("verify", "team").out


def test_deleted_message_shows_as_a_gap(alice: User, bob: User, team):
    first = bob.ok("send", "team", "one").out.strip()
    bob.ok("send", "team", "two")
    with db(alice, team) as conn:
        conn.execute("DELETE FROM message WHERE id=?", (first,))
    [message] = log_json(alice)
    assert message["verified"] is False and "history deleted" in message["problem"]
    assert "missing" in alice.run("verify", "team").out


def test_deleting_the_newest_message_is_caught_by_the_pinned_head(alice: User, bob: User, team):
    bob.ok("send", "team", "one")
    last = bob.ok("send", "team", "two").out.strip()
    alice.ok("log", "team")  # alice verifies and pins bob's newest message
    with db(alice, team) as conn:
        conn.execute("DELETE FROM message WHERE id=?", (last,))
    result = alice.ok("log", "team")
    assert "history deleted" in result.err
    report = alice.run("verify", "team")
    assert report.code == 1 and "history deleted" in report.out


def test_deleted_membership_change_is_caught(alice: User, bob: User, team):
    alice.ok("remove", "team", "bob")
    alice.ok("verify", "team")
    with db(alice, team) as conn:
        conn.execute("DELETE FROM group_members WHERE seq = (SELECT MAX(seq) FROM group_members)")
    report = alice.run("verify", "team")
    assert report.code == 1 and "membership log" in report.out


def test_swapped_file_is_detected(alice: User, team):
    other = alice.ok("create", "other").out.strip()
    path = alice.hub / f"{team}.db"
    os.replace(alice.hub / f"{other}.db", path)
    err = alice.fails("log", "team").err
    assert "different group" in err
    assert alice.run("verify").code == 1


def test_symlinked_group_file_is_refused(alice: User, team, tmp_path):
    path = alice.hub / f"{team}.db"
    shutil.move(path, tmp_path / "elsewhere.db")
    path.symlink_to(tmp_path / "elsewhere.db")
    assert "symlink" in alice.fails("log", "team").err


def test_foreign_trigger_is_refused(alice: User, bob: User, team):
    with db(alice, team) as conn:
        conn.execute("CREATE TRIGGER sneaky AFTER INSERT ON message BEGIN "
                     "DELETE FROM message WHERE author != NEW.author; END")
    assert "foreign trigger" in bob.fails("send", "team", "hi").err


def test_newer_schema_is_refused_clearly(alice: User, team):
    with db(alice, team) as conn:
        conn.execute("PRAGMA user_version = 99")
    assert "newer peers" in alice.fails("log", "team").err


def test_removed_member_signing_under_an_old_state_is_void_for_every_reader(
        alice: User, bob: User, carol: User, team):
    """bob, removed, signs a message claiming the membership state from before his removal.
    The removal recorded a cut at bob's last record, so this is decided from the signed
    records alone: alice and carol (who never saw the file before) agree."""
    bob.ok("send", "team", "before removal")
    carol.ok("join", alice.ok("invite", "team").out)
    alice.ok("remove", "team", "bob")
    from peers_tui.core.encoding import record_hash as digest
    with db(bob, team) as conn:
        previous = conn.execute("SELECT record FROM message WHERE author_seq = 1").fetchone()[0]
    forge_message(bob, team, "backdated after removal", member_seq=1, aseq=2,
                  aprev=digest(previous))
    for reader in (alice, carol):
        shown = log_json(reader)[-1]
        assert shown["body"] == "backdated after removal" and shown["verified"] is False
        assert shown["problem"].startswith("beyond where membership change")
        assert "cut its author's chain (removed)" in shown["problem"]
    first = log_json(alice)[0]
    assert first["verified"] is True  # what bob wrote while a member stays genuine


def test_a_row_rewritten_after_it_was_shown_is_checked_again_in_the_same_process(
        alice: User, bob: User, team):
    """Records opened once are kept by their exact bytes (core.opened_records, for switching
    back to a group): a row rewritten in the file afterwards must not pass on that account."""
    from pathlib import Path

    from peers_tui.core.account import Account

    first = bob.ok("send", "team", "original").out.strip()
    second = bob.ok("send", "team", "second").out.strip()
    account = Account(Path(alice.home), Path(alice.hub))
    store = account.store(account.resolve(team))
    assert all(view.verified for view in store.recent(10))  # opened, and kept
    with db(alice, team) as conn:
        record = conn.execute("SELECT record FROM message WHERE id=?", (first,)).fetchone()[0]
        conn.execute("UPDATE message SET record=?, body='rewritten' WHERE id=?",
                     (record.replace("original", "rewritten"), first))
        conn.execute("UPDATE message SET body='edited' WHERE id=?", (second,))
    views = {view.id: view for view in store.recent(10)}
    assert not views[first].verified and views[first].problem == "bad signature"
    assert not views[second].verified and "edited" in (views[second].problem or "")
