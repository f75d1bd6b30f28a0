"""An invitation from someone whose handle is, or looks like, another known person's names
its sender with their fingerprint: eve, calling herself alice, offered bob a direct
conversation as "alice invites you" beside the real alice."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_direct import pair  # noqa: F401  (a fixture)
from tests.conftest import User


def fingerprint_of(user: User) -> str:
    return user.ok("id", "--json").json()[0]["fingerprint"]


def test_an_invitation_from_a_look_alike_names_its_sender_apart(pair, make_user, hub: Path):
    alice, bob = pair
    eve = make_user("eve")
    eve.ok("id", "--handle", "аlice")  # CYRILLIC SMALL LETTER A first
    eve.ok("dm", "bob", "hi, it's alice, new laptop")
    alice.ok("dm", "bob", "hi bob")
    eve_print, alice_print = fingerprint_of(eve), fingerprint_of(alice)
    lines = bob.ok("invitations").lines
    assert any(f"аlice~{eve_print} invites you to a direct conversation "
               f"(peers dm аlice~{eve_print})" in line for line in lines), lines
    assert any(f"alice~{alice_print} invites you" in line for line in lines), lines
    offered = {row["from_id"][:8]: row for row in bob.ok("invitations", "--json").json()}
    assert offered[eve_print]["text"] == f"аlice~{eve_print} invites you to a direct conversation"


def test_an_invitation_from_someone_alone_in_their_name_names_them_plainly(pair):
    alice, bob = pair
    alice.ok("dm", "bob", "hi bob")
    assert "alice invites you to a direct conversation (peers dm alice)" in bob.ok(
        "invitations").out


def test_a_conversation_with_a_look_alike_is_listed_apart(pair, make_user):
    alice, bob = pair
    eve = make_user("eve")
    eve.ok("id", "--handle", "аlice")
    eve.ok("dm", "bob", "hi, it's alice, new laptop")
    alice.ok("dm", "bob", "hi bob")
    for row in bob.ok("invitations", "--json").json():
        bob.ok("invitations", "accept", row["id"])
    bob.ok("dm", "alice~" + fingerprint_of(alice), "hi alice")  # the real one's, reused
    names = {line.split()[1] for line in bob.ok("groups").lines}
    assert {f"аlice~{fingerprint_of(eve)}", f"alice~{fingerprint_of(alice)}"} <= names, names


def test_an_invitation_from_a_namesake_of_a_fellow_member_names_its_sender_apart(
        alice, bob, make_user):
    """The real alice is known to bob only as a member of their group (she publishes no
    profile); eve calls herself alice and offers bob a direct conversation: the invitation
    named her plainly "alice" (fifteenth attack pass), where everything else bob uses (the
    conversation's name once accepted, `peers dm alice`) names the two apart."""
    alice.ok("create", "team")
    bob.ok("join", alice.ok("invite", "team").out.strip())
    alice.ok("people", "--publish", "off")
    eve = make_user("eve")
    eve.ok("id", "--handle", "alice")
    eve.ok("dm", "bob", "hi, it's alice, new laptop")
    eve_print = fingerprint_of(eve)
    [offered] = bob.ok("invitations", "--json").json()
    assert offered["text"] == f"alice~{eve_print} invites you to a direct conversation", offered
    assert f"alice~{eve_print} invites you" in bob.ok("invitations").out
