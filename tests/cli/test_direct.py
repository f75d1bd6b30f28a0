"""Direct conversations (core.direct): created and offered on first use, found and reused by
both sides afterwards, listed under the other person's name."""

from __future__ import annotations

from pathlib import Path

import pytest

from peers_tui.core import direct
from peers_tui.core.account import Account
from peers_tui.core.group_store import GroupStore
from peers_tui.testing.forge import Forger
from tests.conftest import User
from tests.tmux_helpers import Tmux, needs_tmux


@pytest.fixture
def pair(alice: User, bob: User, hub: Path) -> tuple[User, User]:
    """alice and bob, each with a profile published in the hub."""
    hub.mkdir(parents=True, exist_ok=True)
    alice.ok("people")
    bob.ok("people")
    return alice, bob


def conversations(hub: Path) -> list[str]:
    """The ids of the direct conversations in the hub."""
    found = []
    for path in hub.glob("*.db"):
        store = GroupStore(path, path.stem)
        if direct.dm_pair(store):
            found.append(path.stem)
        store.close()
    return found


def bodies(user: User, group: str) -> list[str]:
    return [row["body"] for row in user.ok("log", group, "--json", "--no-events").json()]


def test_a_dm_is_created_once_offered_and_reused_by_both(pair, hub: Path):
    alice, bob = pair
    first = alice.run("dm", "bob", "hi bob")
    assert first.code == 0 and "started a direct conversation with bob" in first.err
    [offered] = bob.ok("invitations", "--json").json()
    assert offered["from"] == "alice" and offered["valid"] and offered["direct"]
    assert "alice invites you to a direct conversation" in bob.ok("invitations").out
    bob.ok("dm", "alice", "hi alice")  # takes up alice's invitation: the same conversation
    alice.ok("dm", "bob", "again")
    assert len(conversations(hub)) == 1
    assert bodies(alice, "bob") == ["hi bob", "hi alice", "again"]
    assert bodies(bob, "alice") == ["hi bob", "hi alice", "again"]
    assert [g["name"] for g in alice.ok("groups", "--json").json()][1:] == ["bob"]
    assert [g["name"] for g in bob.ok("groups", "--json").json()][1:] == ["alice"]
    assert "started" not in alice.run("dm", "bob", "once more").err


def test_two_conversations_started_at_once_settle_on_one(pair, hub: Path):
    """Both found one before seeing the other's: both then use the smaller group id."""
    alice, bob = pair
    alice_account, bob_account = Account(alice.home, hub), Account(bob.home, hub)
    for me, other in ((alice_account, bob_account), (bob_account, alice_account)):
        entry = direct._found(me, other.user_id)
        direct.invite_to(me, entry.id, other.user_id, uses=1, expires_in=None)
    assert len(conversations(hub)) == 2
    alice.ok("dm", "bob", "from alice")
    bob.ok("dm", "alice", "from bob")
    chosen = min(conversations(hub))
    assert bodies(alice, chosen) == ["from alice", "from bob"]


def test_a_group_claiming_to_be_someone_elses_dm_is_not_theirs(pair, carol: User, hub: Path):
    """carol founds a group whose genesis names alice and bob: she is not one of the pair,
    so it is no direct conversation of theirs."""
    alice, bob = pair
    from peers_tui.core.records import sign
    from peers_tui.core.identity import load_or_create_keypair

    keypair = load_or_create_keypair(carol.home)
    ids = sorted([Forger(alice.home).user_id, Forger(bob.home).user_id])
    genesis = sign(keypair, "genesis", None, {"name": "dm", "handle": "carol", "nonce": "x",
                                              "dm": ids})
    assert direct.genesis_pair(genesis) is None  # only the genesis rule is under test


def test_dm_with_oneself_or_nobody_is_one_clear_line(pair):
    alice, _ = pair
    assert "needs someone else" in alice.fails("dm", "alice", "hi").err
    assert "nobody called 'zed'" in alice.fails("dm", "zed", "hi").err


def test_dm_without_text_outside_a_terminal_says_so_and_starts_nothing(pair, hub: Path):
    alice, bob = pair
    result = alice.fails("dm", "bob")
    assert "needs a terminal" in result.err
    assert conversations(hub) == [] and bob.ok("invitations").out == ""


@needs_tmux
def test_dm_without_text_opens_the_tui_on_the_conversation(pair, hub: Path):
    alice, bob = pair
    alice.ok("dm", "bob", "hello from alice")
    tmux = Tmux()
    try:
        tmux.open("bob", bob, "dm", "alice")
        tmux.wait_for("bob", lambda text: "hello from alice" in text, what="the conversation")
    finally:
        tmux.close()


def test_an_invitation_calling_an_ordinary_group_direct_is_not_taken_for_one(pair, hub: Path):
    """alice's invitation to team says "dm": true; the genesis of team names no pair, so bob
    sees an invitation to team, and `peers dm alice` starts a conversation of its own."""
    alice, bob = pair
    alice.ok("create", "team")
    direct.invite_to(Account(alice.home, hub), "team", "bob", extra={"dm": True})
    [offered] = bob.ok("invitations", "--json").json()
    assert offered["direct"] is False and offered["text"] == "alice invites you to team"
    bob.ok("dm", "alice", "hello")
    assert "team" not in [g["name"] for g in bob.ok("groups", "--json").json()]
    assert len(conversations(hub)) == 1


def test_both_people_of_a_direct_conversation_can_set_its_topic(alice, bob, hub):
    """The one invited into a conversation of two may set its topic too (as a writer,
    "only admins and above can do that" greeted the second person of a DM)."""
    hub.mkdir(parents=True, exist_ok=True)
    for user in (alice, bob):
        user.ok("people")
    alice.ok("dm", "bob", "hi bob")
    bob.ok("dm", "alice", "hi alice")
    bob.ok("topic", "alice", "our plans")
    assert "our plans" in alice.ok("topic", "bob").out
