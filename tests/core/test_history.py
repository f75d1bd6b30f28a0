"""Replies, edits, deletions, topics and actions: signed records that refer to messages."""

from __future__ import annotations

import sqlite3

from tests.conftest import User


def bodies(user: User, *extra: str) -> list[dict]:
    return user.ok("log", "team", "--json", *extra).json()


def test_reply_shows_what_it_answers(alice: User, bob: User, team):
    first = alice.ok("send", "team", "lunch at noon?").out.strip()
    bob.ok("send", "team", "--reply-to", first, "yes please")
    reply = bodies(alice)[-1]
    assert reply["reply_to"] == first and reply["verified"]
    assert '<bob> (re alice: "lunch at noon?") yes please' in alice.ok("log", "team").out
    assert "no message" in bob.fails("send", "team", "--reply-to", "01ZZZZZZZZ", "x").err


def test_author_edits_own_message_and_log_shows_latest_text(alice: User, bob: User, team):
    message = bob.ok("send", "team", "helo").out.strip()
    bob.ok("edit", "team", message, "hello")
    bob.ok("edit", "team", message[:12], "hello!")
    [shown] = bodies(alice)
    assert (shown["body"], shown["edited"], shown["id"]) == ("hello!", True, message)
    assert "hello! (edited)" in alice.ok("log", "team").out
    assert "own messages" in alice.fails("edit", "team", message, "alice was here").err


def test_delete_rules(alice: User, bob: User, carol: User, team):
    carol.ok("join", alice.ok("invite", "team").out)
    by_bob = bob.ok("send", "team", "bob's secret").out.strip()
    by_alice = alice.ok("send", "team", "alice's").out.strip()
    assert "only admins" in carol.fails("delete", "team", by_bob).err
    bob.ok("delete", "team", by_bob)           # the author
    alice_view = bodies(alice)
    assert alice_view[0]["deleted"] is True and alice_view[0]["body"] == ""
    assert "(message deleted)" in alice.ok("log", "team").out
    assert "only admins" in bob.fails("delete", "team", by_alice).err
    by_carol = carol.ok("send", "team", "spam").out.strip()
    alice.ok("delete", "team", by_carol)       # an admin deletes anyone's
    assert "was deleted" in alice.fails("delete", "team", by_carol).err
    assert "was deleted" in carol.fails("edit", "team", by_carol, "x").err


def test_actions_and_topics(alice: User, bob: User, team):
    bob.ok("send", "team", "--action", "waves")
    assert "* bob waves" in alice.ok("log", "team").out
    assert bodies(alice)[-1]["kind"] == "action"
    assert "(no topic)" in alice.ok("topic", "team").out
    alice.ok("topic", "team", "release on Friday")
    assert alice.ok("topic", "team").out.strip() == "release on Friday"
    assert "set the topic: release on Friday" in bob.ok("log", "team").out
    assert "admins" in bob.fails("topic", "team", "mine now").err


def test_forged_edit_by_someone_else_is_exposed(alice: User, bob: User, team):
    """bob writes an 'edit' of alice's message straight into the file, signed by himself."""
    from peers_tui.core.account import Account
    target = alice.ok("send", "team", "the meeting is at 10").out.strip()
    bob_account = Account(bob.home, bob.hub)
    store = bob_account.store(bob_account.resolve("team"))
    with store.session(), store.db.atomic():
        store._append_message(bob_account.keypair, "edit", {"target": target, "body": "cancelled"})
    # The genuine message stays genuine; the forged edit is a forged record of its own.
    shown, forged = bodies(alice)
    assert shown["body"] == "the meeting is at 10" and shown["verified"] is True
    assert forged["kind"] == "edit" and forged["target"] == target
    assert forged["verified"] is False and "other than its author" in forged["problem"]
    text = alice.ok("log", "team").out.splitlines()
    assert text[-2].endswith("the meeting is at 10") and "UNVERIFIED" not in text[-2]
    assert "UNVERIFIED edit" in text[-1] and "bob" in text[-1]
    assert alice.run("verify", "team").code == 1


def test_search_words_phrases_prefixes_newest_first(alice: User, bob: User, team):
    alice.ok("send", "team", "the quick brown fox")
    bob.ok("send", "team", "a quick reply")
    alice.ok("send", "team", "brown bread recipe")
    found = lambda q: [m["body"] for m in alice.ok("search", "team", q, "--json").json()]  # noqa: E731
    assert found("quick") == ["a quick reply", "the quick brown fox"]
    assert found('"brown fox"') == ["the quick brown fox"]
    assert found("bre*") == ["brown bread recipe"]
    assert found("quick brown") == ["the quick brown fox"]
    assert found("nothing") == []
    assert len(alice.ok("search", "team", "quick", "--limit", "1", "--json").json()) == 1
    assert found('"brown fox') == ["the quick brown fox"]  # an unclosed quote: to the end


def test_search_follows_edits_and_deletions(alice: User, bob: User, team):
    message = bob.ok("send", "team", "colour of the shed").out.strip()
    other = bob.ok("send", "team", "shed is red").out.strip()
    bob.ok("edit", "team", message, "color of the barn")
    found = lambda q: [m["id"] for m in alice.ok("search", "team", q, "--json").json()]  # noqa: E731
    assert found("colour") == [] and found("barn") == [message]
    assert found("shed") == [other]
    bob.ok("delete", "team", other)
    assert found("shed") == [] and found("red") == []


def test_version_1_database_is_migrated_with_its_messages_searchable(alice: User, team):
    alice.ok("send", "team", "written before search existed")
    path = alice.hub / f"{team}.db"
    conn = sqlite3.connect(path, isolation_level=None)
    # Turn the file back into a schema-1 database: no history columns, no search index.
    conn.executescript("""
        DROP TABLE message_fts;
        DROP INDEX message_target;
        DROP INDEX message_topics;
        DROP INDEX message_author_orig_id;
        ALTER TABLE message DROP COLUMN target;
        ALTER TABLE message DROP COLUMN reply_to;
        ALTER TABLE message DROP COLUMN orig_id;
        PRAGMA user_version = 1;
    """)
    conn.close()
    found = alice.ok("search", "team", "search", "--json").json()
    assert [m["body"] for m in found] == ["written before search existed"]
    from peers_tui.core.database import SCHEMA_VERSION
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    alice.ok("verify", "team")
