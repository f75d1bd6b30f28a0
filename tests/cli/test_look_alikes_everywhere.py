"""Look-alike handles in the CLI's other lines that name a person (h-names): what `peers
role` and `peers remove` say they did (and refuse), who made an invite in `peers invite
--list`. Each names someone whose handle is, or looks like, another member's with their
fingerprint, as `peers log` does: bob renamed "аlice" (a Cyrillic а) must never read as
alice."""

from __future__ import annotations

import json

from peers_tui.testing.forge import Forger
from tests.cli.test_people import deliver_raw, group_fields
from tests.conftest import User

FAKE = "аlice"  # CYRILLIC SMALL LETTER A first


def print_of(user: User) -> str:
    return user.ok("id", "--json").json()[0]["fingerprint"]


def test_role_and_remove_name_a_look_alike_with_their_fingerprint(alice: User, bob: User,
                                                                  team):
    bob.ok("id", "--handle", FAKE)
    bob.ok("send", "team", "hi, it's me")
    fake = f"{FAKE}~{print_of(bob)}"
    done = alice.spawn("role", "team", fake, "reader")  # a real process, as a user runs it
    assert done.code == 0 and done.out.strip() == f"{fake} is now reader", done
    refused = alice.fails("role", "team", print_of(bob), "reader")
    assert refused.err.strip() == (f"peers: {fake} is already a reader: nothing was changed"), \
        refused.err
    assert alice.ok("remove", "team", fake).out.strip() == f"removed {fake}"


def test_role_names_someone_alone_in_their_name_plainly(alice: User, bob: User, team):
    assert alice.ok("role", "team", "bob", "reader").out.strip() == "bob is now reader"
    assert alice.ok("remove", "team", "bob").out.strip() == "removed bob"


def test_the_invite_list_names_a_look_alike_maker_with_their_fingerprint(alice: User,
                                                                        bob: User, team):
    alice.ok("role", "team", "bob", "admin")
    bob.ok("id", "--handle", FAKE)
    bob.ok("invite", "team", "--role", "reader")
    alice.ok("invite", "team", "--role", "writer")
    lines = alice.ok("invite", "team", "--list").lines
    makers = sorted(line.rsplit("made by ", 1)[1] for line in lines)
    assert makers == sorted([f"{FAKE}~{print_of(bob)}", f"alice~{print_of(alice)}"]), lines
    rows = alice.ok("invite", "team", "--list", "--json").json()
    assert sorted(row["maker"] for row in rows) == sorted([FAKE, "alice"])  # scripts: the handle


def test_a_conversation_listed_before_its_look_alike_arrived_is_named_apart(make_user, hub):
    """eve, as "аlice", wrote to bob before the real alice was known to him: the conversation
    was listed as a bare "аlice"; the real alice's, accepted later, as "alice~fingerprint",
    so the impostor's read as the genuine one. Naming the second renames the first."""
    hub.mkdir(parents=True, exist_ok=True)
    bob, eve = make_user("bob"), make_user("eve")
    bob.ok("people")
    eve.ok("id", "--handle", FAKE)
    eve.ok("dm", "bob", "hi, it's alice, new laptop")
    for row in bob.ok("invitations", "--json").json():
        bob.ok("invitations", "accept", row["id"])
    assert FAKE in {line.split()[1] for line in bob.ok("groups").lines}  # alone: plainly
    alice = make_user("alice")
    alice.ok("dm", "bob", "hi bob")
    for row in bob.ok("invitations", "--json").json():
        bob.ok("invitations", "accept", row["id"])
    names = {line.split()[1] for line in bob.ok("groups").lines}
    assert {f"{FAKE}~{print_of(eve)}", f"alice~{print_of(alice)}"} <= names, names


def test_the_roster_names_members_as_the_log_does(alice: User, bob: User, team):
    """Roster.labels, the one place the role/remove lines, the invite list, who reacted and
    the hub's refused cut (relay rejected) name a member by id: hostile names inert, the
    fingerprint beside a look-alike (a former member's too), the fingerprint alone for a
    stranger."""
    from peers_tui.core.account import Account

    bob.ok("id", "--handle", FAKE)
    bob.ok("send", "team", "hi")
    account = Account(alice.home, alice.hub)
    store = account.store(account.resolve("team"))
    ids = {row["handle"]: row["id"] for row in alice.ok("members", "team", "--json").rows()}
    stranger = "z" * 52
    labels = store.current_roster().labels([ids[FAKE], ids["alice"], stranger])
    assert labels == {ids[FAKE]: f"{FAKE}~{print_of(bob)}",
                      ids["alice"]: f"alice~{print_of(alice)}", stranger: "z" * 8}
    bob.ok("leave", "team")  # a former member's name still counts
    assert store.current_roster().label_of(ids["alice"]) == f"alice~{print_of(alice)}"


def test_the_hubs_refused_cut_names_a_look_alike_with_their_fingerprint(alice: User, bob: User,
                                                                       team):
    """A removal whose cut names a record of bob's the hub does not hold is refused with a
    reason that `peers relay rejected` shows: it named "аlice's" record, which read as the
    real alice's."""
    from peers_tui.core.account import Account
    from peers_tui.relay.hub_cut import cut_not_held

    bob.ok("id", "--handle", FAKE)
    bob.ok("send", "team", "hi")
    account = Account(alice.home, alice.hub)
    store = account.store(account.resolve("team"))
    bob_id = next(row["id"] for row in alice.ok("members", "team", "--json").rows()
                  if row["handle"] == FAKE)
    change = json.dumps({"action": "remove", "member": bob_id, "cut": [99, "x" * 52]})
    reason = cut_not_held(store, change)
    assert reason is not None and f"a record of {FAKE}~{print_of(bob)}'s (place 99)" in reason, \
        reason


def test_a_rename_to_a_look_alike_names_the_new_name_with_its_fingerprint(alice: User,
                                                                         bob: User, team):
    """`-- bob is now known as аlice` gave the taken name bare, as if bob became alice."""
    bob.ok("id", "--handle", FAKE)
    events = [line.split(" -- ", 1)[1] for line in alice.ok("log", "team").lines if " -- " in line]
    assert events[-1] == f"bob is now known as {FAKE}~{print_of(bob)}", events
    bob.ok("id", "--handle", "robert")  # alone in that name: plainly
    events = [line.split(" -- ", 1)[1] for line in alice.ok("log", "team").lines if " -- " in line]
    assert events[-1] == f"{FAKE}~{print_of(bob)} is now known as robert", events


def test_a_refused_invitation_names_a_look_alike_sender_with_their_fingerprint(
        alice: User, bob: User, carol: User, team):
    """bob (a writer, renamed "аlice") offers carol an invite he may not make: the refusal
    said it claimed to be from "аlice"."""
    alice.ok("people")
    bob.ok("id", "--handle", FAKE)
    code = Forger(bob.home).invite(alice.hub / f"{team}.db", team)
    deliver_raw(bob.home, carol, group_fields(code))
    err = carol.ok("invitations").err
    assert f"(claims to be from {FAKE}~{print_of(bob)})" in err, err
