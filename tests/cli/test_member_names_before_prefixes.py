"""A member or person is named by what the user saw, never by something an attacker can
grind into its place (twentieth attack pass, h-attack20).

A user id is a public key its owner can grind: 4 base32 characters at its start take ~10^6
keys (seconds), 8 take ~10^12. And a handle is whatever its owner's client signs, a tilde
in it too (only `peers id --handle` refuses one now). So:

- `alice~<fingerprint>`, typed as peers shows the real alice beside a look-alike, found the
  member whose handle *is* that text (eve's, signed by a modified client) before the label's
  owner: `peers role team alice~pd6qb3uj admin` made eve an admin.
- A word that names nobody exactly was taken as an id prefix of 4+ characters: the handle of
  someone who has not joined yet ("dave"), or a handle typed in another case, named whoever
  ground an id starting with it, and `peers role` promoted them.

The grinding is played by naming the victim's person after the attacker's id (the same pair
of rows as a ground key)."""

from __future__ import annotations

from pathlib import Path

from peers_tui.core.account import Account
from tests.cli.test_handle_wearing_fingerprint import forge_handle
from tests.conftest import User


def ident(user: User) -> dict:
    return user.ok("id", "--json").json()[0]


def roles(owner: User) -> dict[str, str]:
    return {row["id"]: row["role"] for row in owner.ok("members", "team", "--json").json()}


def join(owner: User, user: User) -> None:
    user.ok("join", owner.ok("invite", "team").out.strip())


def label_worn(make_user, hub: Path) -> tuple[User, User, User, str]:
    """owner's team with alice, a look-alike of hers (so the log shows her as
    `alice~<fingerprint>`) and eve, whose modified client signed that label as her handle:
    (owner, alice, eve, the label)."""
    owner, alice, mallory, eve = (make_user(n) for n in ("owner", "alice", "mallory", "eve"))
    owner.ok("create", "team")
    alice.ok("id", "--handle", "alice")
    join(owner, alice)
    mallory.ok("id", "--handle", "аlice")  # a Cyrillic а: the real alice is shown apart
    join(owner, mallory)
    label = f"alice~{ident(alice)['fingerprint']}"
    forge_handle(eve, hub, label)  # a modified client signs it
    join(owner, eve)
    alice.ok("send", "team", "make me an admin please")
    return owner, alice, eve, label


def test_a_label_typed_as_shown_names_its_owner_not_a_handle_spelled_like_it(
        make_user, hub: Path):
    owner, alice, eve, label = label_worn(make_user, hub)
    assert f"<{label}> make me" in owner.ok("log", "team").out  # what the owner reads, and types
    done = owner.ok("role", "team", label, "admin")
    assert done.out.strip().endswith(" is now admin"), done.out
    assert roles(owner)[ident(alice)["id"]] == "admin"
    assert roles(owner)[ident(eve)["id"]] == "writer"
    # The label of someone no longer here names no one (eve's handle least of all)
    owner.ok("remove", "team", label)
    assert owner.fails("role", "team", label, "admin").err.count("\n") == 1
    assert roles(owner)[ident(eve)["id"]] == "writer"


def test_a_name_of_no_member_is_no_id_prefix_a_key_was_ground_for(make_user):
    owner, eve = make_user("owner"), make_user("eve")
    owner.ok("create", "team")
    join(owner, eve)
    dave = ident(eve)["id"][:6]  # "dave", who was invited but has not joined yet
    refused = owner.fails("role", "team", dave, "admin")
    assert refused.err.count("\n") == 1, refused.err
    assert roles(owner)[ident(eve)["id"]] == "writer"
    # the fingerprint, as `peers members` shows it, still names eve
    owner.ok("role", "team", ident(eve)["fingerprint"], "reader")
    assert roles(owner)[ident(eve)["id"]] == "reader"


def test_a_handle_typed_in_another_case_is_no_id_prefix(make_user):
    owner, carol, eve = make_user("owner"), make_user("carol"), make_user("eve")
    owner.ok("create", "team")
    join(owner, eve)
    typed = ident(eve)["id"][:8]
    carol.ok("id", "--handle", typed.upper())  # "CAROLYN"; the owner types "carolyn"
    join(owner, carol)
    refused = owner.fails("role", "team", typed, "admin")
    assert refused.err.count("\n") == 1 and typed.upper() in refused.err, refused.err
    assert roles(owner)[ident(eve)["id"]] == "writer"
    assert roles(owner)[ident(carol)["id"]] == "writer"


def test_two_former_members_of_one_handle_are_no_id_prefix(make_user):
    owner, bob1, bob2, eve = (make_user(n) for n in ("owner", "bob1", "bob2", "eve"))
    owner.ok("create", "team")
    join(owner, eve)
    handle = ident(eve)["id"][:8]
    for bob in (bob1, bob2):
        bob.ok("id", "--handle", handle)
        join(owner, bob)
        bob.ok("leave", "team")
    refused = owner.fails("remove", "team", handle)
    assert refused.err.count("\n") == 1, refused.err
    assert roles(owner)[ident(eve)["id"]] == "writer"


def test_dm_to_a_handle_in_another_case_is_no_id_prefix(make_user, hub: Path):
    hub.mkdir(parents=True, exist_ok=True)
    victim, carol, eve = make_user("victim"), make_user("carol"), make_user("eve")
    typed = ident(eve)["id"][:8]
    carol.ok("id", "--handle", typed.upper())
    for user in (victim, carol, eve):
        user.ok("people", "--publish", "on")
    refused = victim.fails("dm", typed, "the keys are in the drawer")
    assert refused.err.count("\n") == 1 and typed.upper() in refused.err, refused.err
    assert not eve.ok("invitations", "--json").json()
    assert Account(victim.home, hub).user_id  # the victim's account is intact


def test_a_whole_id_names_its_owner_not_a_handle_spelled_as_it(make_user, hub: Path):
    owner, alice, eve = make_user("owner"), make_user("alice"), make_user("eve")
    owner.ok("create", "team")
    join(owner, alice)
    forge_handle(eve, hub, ident(alice)["id"])
    join(owner, eve)
    owner.ok("role", "team", ident(alice)["id"], "admin")
    assert roles(owner)[ident(alice)["id"]] == "admin"
    assert roles(owner)[ident(eve)["id"]] == "writer"
    eve.ok("people", "--publish", "on")
    alice.ok("people", "--publish", "on")
    owner.ok("dm", ident(alice)["id"], "for alice")
    assert eve.ok("invitations", "--json").json() == []


def test_a_fingerprint_taken_as_a_handle_does_not_take_its_owners_place(make_user, hub: Path):
    """eve calls herself by alice's fingerprint (`peers id --handle` takes it: a plain word);
    the owner types the fingerprint `peers members` shows beside alice: eve was promoted."""
    hub.mkdir(parents=True, exist_ok=True)
    owner, alice, eve = make_user("owner"), make_user("alice"), make_user("eve")
    owner.ok("create", "team")
    join(owner, alice)
    print_ = ident(alice)["fingerprint"]
    eve.ok("id", "--handle", print_)
    join(owner, eve)
    refused = owner.fails("role", "team", print_, "admin")
    assert f"alice~{print_}" in refused.err, refused.err
    assert roles(owner)[ident(eve)["id"]] == "writer"
    owner.ok("role", "team", f"alice~{print_}", "admin")
    assert roles(owner)[ident(alice)["id"]] == "admin"
    for user in (alice, eve, owner):
        user.ok("people", "--publish", "on")
    assert f"alice~{print_}" in owner.fails("dm", print_, "for alice").err
    assert eve.ok("invitations", "--json").json() == []
