"""People across hosts (issue 15): `/who` lists the group's members with their host and
presence as the roster does, and `/invite @person` (and `peers invite --to`) names a person
at home on another host of the federation, whose sealed invitation the relays carry there.
Real relays and nats-servers on loopback; the app driven with Pilot."""

from __future__ import annotations

import asyncio

import pytest

from peers_tui.core.account import Account
from peers_tui.core.identity import fingerprint
from peers_tui.core.presence import Presence
from peers_tui.widgets import RosterPanel
from tests.relay_helpers import team_on_two_hosts
from tests.relay_helpers import wait_for as wait_until
from tests.tui_helpers import make_app, type_text, wait_for

pytestmark = [pytest.mark.slow]


def told(app, text: str) -> str | None:  # noqa: ANN001
    return next((n.message for n in app._notifications if text in n.message), None)


async def run_command(pilot, text: str) -> None:  # noqa: ANN001
    await type_text(pilot, text)
    await pilot.press("enter")


def user_id(user) -> str:  # noqa: ANN001
    return Account(user.home, user.hub).user_id


def known_on(user, handle: str) -> bool:  # noqa: ANN001
    """The relay of the user's host carried `handle`'s profile here."""
    from peers_tui.core.federation_people import known_people

    return any(k.profile.handle == handle for k in known_people(user.hub))


async def test_who_lists_members_across_hosts_with_host_and_presence(tmp_path):
    with team_on_two_hosts(tmp_path) as (hosts, alice, bob, code):
        hub, leaf = hosts
        await asyncio.to_thread(bob.ok, "join", code)  # it runs its own loop (the fetch)
        dave = leaf.user("dave")  # at home on B, in no group of A
        bobs_app = Presence(bob.hub)
        bobs_app.announce(user_id(bob))
        try:
            wait_until(lambda: known_on(alice, "dave") and any(
                m["handle"] == "bob" and m["present"]
                for m in alice.ok("members", "team", "--json").json()), what="B heard on A")
            app = make_app(alice, "team")
            async with app.run_test(size=(120, 40)) as pilot:
                roster = app.screen.query_one(RosterPanel)
                await wait_for(pilot, lambda: "● bob  B" in str(
                    roster.query_one("#roster-body").render()), timeout=15)
                await run_command(pilot, "/who")
                await wait_for(pilot, lambda: told(app, "team: 2 members, 2 here now"))
                lines = told(app, "team: 2 members").splitlines()
            assert lines[1:3] == [
                f"● alice ({fingerprint(user_id(alice))})  owner  on A  you",
                f"● bob ({fingerprint(user_id(bob))})  writer  on B"]
            # the others: dave, and each host's admin (who ran `peers relay`, two "root"s)
            assert lines[3].endswith("more known in the federation (not members):")
            assert f"○ dave ({fingerprint(user_id(dave))})  away (B)" in lines[4:]
        finally:
            bobs_app.withdraw()


async def test_invite_names_a_person_on_another_host_and_the_invitation_reaches_them(tmp_path):
    with team_on_two_hosts(tmp_path) as (hosts, alice, bob, code):
        hub, leaf = hosts
        dave, erin = leaf.user("dave"), leaf.user("erin")
        mallory = hub.user("mallory")
        mallory.ok("id", "--handle", "\u0435rin")  # a Cyrillic е: looks like erin on B
        wait_until(lambda: known_on(alice, "dave") and known_on(alice, "erin"),
                   what="B's people heard on A")
        app = make_app(alice, "team")
        async with app.run_test(size=(120, 40)) as pilot:
            await run_command(pilot, "/invite @dave reader")
            await wait_for(pilot, lambda: told(app, "invited dave"), timeout=15)
            await run_command(pilot, "/invite @nobody")
            await wait_for(pilot, lambda: told(
                app, "nobody called 'nobody' has published a profile in this hub or on another"))
            await run_command(pilot, "/invite @erin")  # two people look like it
            await wait_for(pilot, lambda: told(app, "have the handle 'erin' or one like it"))
            ambiguous = told(app, "or one like it")
            assert fingerprint(user_id(erin)) in ambiguous
            assert fingerprint(user_id(mallory)) in ambiguous
            await run_command(pilot, f"/invite @erin~{fingerprint(user_id(erin))}")
            await wait_for(pilot, lambda: told(app, "invited erin"), timeout=15)
        assert "\n" not in told(app, "nobody called")  # one line
        # the relays carry each invitation to B, into its recipient's inbox
        for person, role in ((dave, "reader"), (erin, "writer")):
            offered = wait_until(lambda person=person: person.ok("invitations", "--json").json(),
                                 timeout=20, what=f"{person.name}'s invitation on B")
            [invitation] = offered
            assert invitation["from"] == "alice" and invitation["valid"], invitation
            assert invitation["group"] == "team"
            # fetched through the relay (its own loop: not on the test's)
            await asyncio.to_thread(person.ok, "invitations", "accept", invitation["id"])
            assert person.ok("members", "team", "--json").json()
            wait_until(lambda person=person: {m["handle"]: m["role"] for m in alice.ok(
                "members", "team", "--json").json()}.get(person.name) == role,
                what=f"{person.name}'s join on A")
        assert mallory.ok("invitations", "--json").json() == []


def test_peers_invite_to_a_person_on_another_host(tmp_path):
    with team_on_two_hosts(tmp_path) as (hosts, alice, bob, code):
        hub, leaf = hosts
        wait_until(lambda: known_on(alice, "bob"), what="bob heard on A")
        said = alice.ok("invite", "team", "--to", "bob").out
        assert said.startswith(f"invited bob ({fingerprint(user_id(bob))}) to team")
        missing = alice.run("invite", "team", "--to", "zed")
        assert missing.code != 0 and missing.err.count("\n") == 1
        assert "nobody called 'zed' has published a profile in this hub or on another" in missing.err
        [offered] = wait_until(lambda: bob.ok("invitations", "--json").json(), timeout=20,
                               what="bob's invitation on B")
        bob.ok("invitations", "accept", offered["id"])
        wait_until(lambda: "bob" in {m["handle"] for m in alice.ok(
            "members", "team", "--json").json()}, what="bob's join on A")


def test_a_direct_conversation_with_a_person_on_another_host(tmp_path):
    with team_on_two_hosts(tmp_path) as (hosts, alice, bob, code):
        wait_until(lambda: known_on(alice, "bob"), what="bob heard on A")
        alice.ok("dm", "bob", "hello bob")  # founded on A, bob invited: carried to B
        [offered] = wait_until(lambda: bob.ok("invitations", "--json").json(), timeout=20,
                               what="bob's invitation on B")
        assert offered["from"] == "alice" and offered["valid"]
        bob.ok("invitations", "accept", offered["id"])
        assert "hello bob" in [m["body"] for m in bob.ok("log", "alice", "--json").json()]
        assert "alice" in [g["name"] for g in bob.ok("groups", "--json").json()]
        bob.ok("send", "alice", "hello across")
        wait_until(lambda: any(m["body"] == "hello across" for m in alice.ok(
            "log", "bob", "--json").json()), what="bob's message on A")
