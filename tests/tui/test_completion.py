"""Tab in the composer: completion that cycles through ambiguous matches (handles with and
without @, a handle at the start of a line addressed irssi's way, slash commands, the people
after /dm and /invite, group names after /join), in the real app through Pilot."""

from __future__ import annotations

from peers_tui.widgets import Composer
from peers_tui.widgets.completion import ArgumentSource, offer
from tests.conftest import User
from tests.tui_helpers import make_app, type_text, wait_for


def test_offer_knows_what_each_place_completes():
    handles, commands = ["bob", "bert", "alice"], ["/me", "/members", "/dm", "/join"]
    arguments = {"/dm": ArgumentSource("person", lambda: ["carol", "bob"]),
                 "/join": ArgumentSource("group", lambda: ["team", "team two", "bad\nname"])}

    def at_end(line: str, first_line: bool = True):  # noqa: ANN202
        return offer(line, len(line), first_line, handles=handles, commands=commands,
                     arguments=arguments)

    assert at_end("b").candidates == ("bert: ", "bob: ")  # addressed, at the message's start
    assert at_end("b", first_line=False).candidates == ("bert ", "bob ")
    assert at_end("hi b").candidates == ("bert ", "bob ")
    assert at_end("hi @B").candidates == ("@bert ", "@bob ")
    assert at_end("/me").candidates == ("/me ", "/members ")
    assert at_end("/dm c").candidates == ("carol ",)  # published people, not members
    assert at_end("/dm @").candidates == ("@bob ", "@carol ")
    found = at_end("/join team t")  # the whole argument: group names hold spaces
    assert found is not None and found.start == len("/join ")
    assert found.candidates == ("team two ",)
    assert at_end("/join ").candidates == ("team ", "team two ")  # never a name with a newline
    assert at_end("hi ") is None and at_end("hi @z").candidates == ()


async def test_tab_cycles_through_handles_sharing_a_prefix(alice: User, bob: User, make_user,
                                                           team):
    bert = make_user("bert")
    bert.ok("join", alice.ok("invite", "team").out.strip())
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        composer = app.screen.query_one(Composer)
        await wait_for(pilot, lambda: {"bob", "bert"} <= set(composer.handles))
        await type_text(pilot, "hi @b")
        await pilot.press("tab")
        assert composer.text == "hi @bert "
        await pilot.press("tab")
        assert composer.text == "hi @bob "
        await pilot.press("tab")  # round again
        assert composer.text == "hi @bert "
        await pilot.press("shift+tab")  # and back
        assert composer.text == "hi @bob "
        await pilot.press("x", "tab")  # any other key ends the cycle: "x" is kept
        assert composer.text == "hi @bob x"
        composer.clear()
        await type_text(pilot, "bo")  # a handle that starts the line: addressed, without @
        await pilot.press("tab")
        assert composer.text == "bob: "
        composer.clear()
        await type_text(pilot, "b")
        await pilot.press("tab", "tab")
        assert composer.text == "bob: "


async def test_tab_cycles_through_commands(alice: User, team):
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        composer = app.screen.query_one(Composer)
        await type_text(pilot, "/m")
        await pilot.press("tab")
        assert composer.text == "/me "
        await pilot.press("tab")
        assert composer.text == "/members "
        await pilot.press("tab")
        assert composer.text == "/mute "
        await pilot.press("shift+tab")
        assert composer.text == "/members "


async def test_tab_completes_group_names_after_join_and_join_opens_it(alice: User, team):
    alice.ok("create", "team two")
    alice.ok("create", "other")
    app = make_app(alice, "other")
    async with app.run_test(size=(120, 30)) as pilot:
        composer = app.screen.query_one(Composer)
        await type_text(pilot, "/join te")
        await pilot.press("tab")
        assert composer.text == "/join team "
        await pilot.press("tab")
        assert composer.text == "/join team two "
        await pilot.press("enter")  # one of ours by name: go to it
        await wait_for(pilot, lambda: app.chat.entry.name == "team two")


async def test_tab_completes_published_people_after_dm(alice: User, carol: User, team):
    carol.ok("people")  # any command publishes her profile, now that the hub exists
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        composer = app.screen.query_one(Composer)
        await type_text(pilot, "/dm @c")  # carol is in no group of alice's
        await pilot.press("tab")
        assert composer.text == "/dm @carol "
