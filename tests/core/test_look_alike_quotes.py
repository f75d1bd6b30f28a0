"""A name shown inside a line (an event's people, a reply's quoted author) tells look-alikes
apart as the author column does: two people who were both "root" when one invited the other,
or a member who took another's handle, are never shown as one person."""

from __future__ import annotations

from tests.conftest import User
from tests.core.test_hostile_names import user_fingerprint


def test_events_name_people_who_shared_a_name_then_apart(alice: User, bob: User):
    alice.ok("id", "--handle", "root")
    bob.ok("id", "--handle", "root")
    alice.ok("create", "team")
    bob.ok("join", alice.ok("invite", "team").out.strip())
    alice.ok("id", "--handle", "ann")
    bob.ok("id", "--handle", "bob")
    a, b = user_fingerprint(alice), user_fingerprint(bob)
    events = [line.split(" -- ", 1)[1] for line in bob.ok("log", "team").lines if " -- " in line]
    assert events == [f"root~{b} joined as writer (invited by root~{a})",
                      f"root~{a} is now known as ann", f"root~{b} is now known as bob"]


def test_a_reply_quotes_its_author_as_the_author_column_shows_them(alice: User, bob: User,
                                                                  team: str):
    bob.ok("send", "team", "hello from bob")
    alice.ok("send", "team", "--reply-to", bob.ok("log", "team", "--json").json()[-1]["id"], "hi")
    bob.ok("id", "--handle", "alice")  # bob takes alice's handle: his quote says whose it is
    a, b = user_fingerprint(alice), user_fingerprint(bob)
    log = alice.ok("log", "team", "--no-events").lines
    assert log[-1].endswith(f"<alice~{a}> (re alice~{b}: \"hello from bob\") hi"), log
