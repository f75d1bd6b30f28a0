"""Membership events in the log (core.events): in their place among the messages, with every
key a message row has, and a forged change shown as forged, never as an event."""

from __future__ import annotations

from peers_tui.testing.forge import Forger
from tests.conftest import User

MESSAGE_KEYS = {"id", "author_id", "author", "fingerprint", "body", "created_at", "kind",
                "verified", "reply_to", "edited", "deleted", "imported", "reactions"}


def rows(user: User, *extra: str) -> list[dict]:
    return user.ok("log", "team", "--json", *extra).rows()


def test_events_stand_in_their_place_among_messages(alice: User, bob: User, carol: User):
    alice.ok("create", "team")
    alice.ok("send", "team", "before anyone")
    bob.ok("join", alice.ok("invite", "team").out.strip())
    bob.ok("send", "team", "hi")
    alice.ok("role", "team", "bob", "admin")
    carol.ok("join", bob.ok("invite", "team").out.strip())
    alice.ok("topic", "team", "planning")
    alice.ok("remove", "team", "carol")
    alice.ok("role", "team", "bob", "writer")
    bob.ok("id", "--handle", "robert")
    bob.ok("leave", "team")
    assert [(row["kind"], row["body"]) for row in rows(alice)] == [
        ("text", "before anyone"),
        ("event", "bob joined as writer (invited by alice)"),
        ("text", "hi"),
        ("event", "alice made bob an admin"),
        ("event", "carol joined as writer (invited by bob)"),
        ("topic", "planning"),
        ("event", "alice removed carol"),
        ("event", "alice made bob a writer (was an admin)"),
        ("event", "bob is now known as robert"),
        ("event", "robert left"),
    ]


def test_an_event_row_has_every_key_of_a_message_row(alice: User, bob: User, team):
    bob.ok("send", "team", "hello")
    [event, message] = rows(alice)
    assert set(message) == MESSAGE_KEYS
    assert MESSAGE_KEYS <= set(event) and event["kind"] == "event"
    assert event["verified"] is True and event["author"] == "bob"
    assert event["action"] == "join" and event["member_id"] == event["author_id"]


def test_log_prints_events_as_compact_lines(alice: User, bob: User, team):
    bob.ok("send", "team", "hello")
    lines = alice.ok("log", "team").lines
    assert lines[0].endswith(" -- bob joined as writer (invited by alice)")
    assert lines[1].endswith("<bob> hello")
    assert alice.ok("log", "team", "--no-events").lines == lines[1:]
    assert [row["kind"] for row in rows(alice, "--no-events")] == ["text"]


def test_a_window_shows_only_the_events_inside_it(alice: User, bob: User, carol: User, team):
    bob.ok("send", "team", "one")
    bob.ok("send", "team", "two")
    carol.ok("join", alice.ok("invite", "team").out.strip())
    shown = [row["body"] for row in rows(alice, "--limit", "1")]
    assert shown == ["two", "carol joined as writer (invited by alice)"], \
        "bob's join came before the window: left out"


def test_a_group_without_messages_shows_its_events(alice: User, bob: User, team):
    assert [row["body"] for row in rows(bob)] == ["bob joined as writer (invited by alice)"]


def test_a_forged_removal_shows_as_forged_not_as_an_event(alice, bob, carol, team):
    bob.ok("send", "team", "still here")
    db = alice.hub / f"{team}.db"
    Forger(carol.home).change(db, team, "remove", Forger(bob.home).user_id)
    shown = rows(alice)
    assert [row["body"] for row in shown if row["kind"] == "event" and row["verified"]] == [
        "bob joined as writer (invited by alice)"]
    [forged] = [row for row in shown if not row["verified"]]
    assert forged["kind"] == "event" and "signer is not a member" in forged["problem"]
    assert forged["body"].startswith("unverified membership change")
    assert "UNVERIFIED: signer is not a member" in alice.ok("log", "team").out
    assert "bob" in alice.ok("members", "team").out


def test_a_self_promotion_by_a_writer_is_not_an_event(alice, bob, team):
    db = alice.hub / f"{team}.db"
    bob_id = Forger(bob.home).user_id
    Forger(bob.home).change(db, team, "role", bob_id, extra={"role": 80})
    events = [row for row in rows(alice) if row["kind"] == "event"]
    assert [(row["verified"], row["action"]) for row in events] == [(True, "join"), (False, "role")]
    assert "cannot change" in events[1]["problem"]


def test_a_backdated_change_keeps_its_place_in_the_log(alice, bob, carol, team):
    """A change's place is never before the change it follows in the log, whatever time it
    claims (carol joins claiming 1970)."""
    bob.ok("send", "team", "one")
    code = alice.ok("invite", "team").out.strip()
    Forger(carol.home).join(alice.hub / f"{team}.db", team, code, "carol", t=1000)
    bodies = [row["body"] for row in rows(alice)]
    assert bodies.index("carol joined as writer (invited by alice)") > bodies.index(
        "bob joined as writer (invited by alice)")


def test_junk_in_the_membership_log_never_crashes_the_log(alice: User, bob: User, team):
    """Rows written straight into the file with any types at all are shown as unverified
    items with a reason (or skipped when they have no place), never a traceback."""
    import sqlite3

    bob.ok("send", "team", "hello")
    with sqlite3.connect(alice.hub / f"{team}.db") as conn:
        conn.execute("INSERT INTO group_members (seq, member, record, sig) VALUES (?,?,?,?)",
                     (50, "x", b"\xff\xfe", b"s"))
        conn.execute("INSERT INTO group_members (seq, member, record, sig) VALUES (?,?,?,?)",
                     (51, "x", '{"action": "remove", "a": [1], "member": {"x": 1}, "t": "no"}',
                      b"s"))
        conn.execute("INSERT INTO set_aside_changes (seq, record, reason) VALUES (?,?,?)",
                     ("junk", "[[[[", None))
    shown = rows(alice)
    assert [row["body"] for row in shown if row["verified"]] == [
        "bob joined as writer (invited by alice)", "hello"]
    assert all(row["kind"] == "event" for row in shown if not row["verified"])
    assert "Traceback" not in alice.run("log", "team").err
