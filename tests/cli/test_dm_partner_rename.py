"""A direct conversation is listed under the other person's handle: when they change it, the
listing follows (as a query window follows a nick change in irssi or weechat). Before, bob
renamed "robert" was still listed as "bob" on alice's side for good."""

from __future__ import annotations

from pathlib import Path

import pytest

from peers_tui.core.identity import fingerprint
from tests.conftest import User


@pytest.fixture
def pair(alice: User, bob: User, hub: Path) -> tuple[User, User]:
    hub.mkdir(parents=True, exist_ok=True)
    alice.ok("people")
    bob.ok("people")
    alice.ok("dm", "bob", "hi bob")
    bob.ok("dm", "alice", "hi alice")
    return alice, bob


def listed(user: User) -> list[str]:
    return [g["name"] for g in user.ok("groups", "--json").json()][1:]


def test_the_conversation_follows_the_partners_new_handle(pair):
    alice, bob = pair
    assert listed(alice) == ["bob"]
    bob.ok("id", "--handle", "robert")
    assert listed(alice) == ["robert"]
    assert alice.ok("log", "robert", "--json", "--no-events").json()[-1]["body"] == "hi alice"
    alice.ok("dm", "robert", "hi robert")  # the same conversation, under its new name
    assert listed(alice) == ["robert"]
    assert listed(bob) == ["alice"]


def test_a_new_handle_like_another_persons_carries_the_fingerprint(pair, carol: User):
    """bob renamed to carol's name, beside alice's conversation with the real carol: one of
    the two would read as the other's. The follower gets bob's fingerprint."""
    alice, bob = pair
    carol.ok("people")
    alice.ok("dm", "carol", "hi carol")
    carol.ok("dm", "alice", "hi alice")
    assert sorted(listed(alice)) == ["bob", "carol"]
    bob.ok("id", "--handle", "саrol")  # Cyrillic а and р
    bob_fp = fingerprint(bob.ok("id", "--json").json()[0]["id"])
    names = listed(alice)
    assert f"саrol~{bob_fp}" in names and len(names) == 2, names


def test_the_conversation_keeps_its_name_while_nothing_changed(pair):
    """The follow is no rename at every count: the personal file is not written again."""
    alice, _ = pair
    personal = alice.home / "personal.db"
    assert listed(alice) == ["bob"]
    before = personal.stat().st_mtime_ns
    assert listed(alice) == ["bob"]
    assert personal.stat().st_mtime_ns == before
