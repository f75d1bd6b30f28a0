"""Look-alike handles in the TUI's other places that name a person (h-names): the note of
who reacted, Tab's mention and /dm completion. Each names someone whose handle is, or looks
like, another person's with their fingerprint, as the log and the roster do: "аlice" (with
a Cyrillic а) must never pass for alice."""

from __future__ import annotations

from peers_tui.widgets import Composer
from tests.conftest import User
from tests.tui.test_selection import start_selecting
from tests.tui_helpers import make_app, type_text, wait_for

FAKE = "аlice"  # CYRILLIC SMALL LETTER A first


def print_of(user: User) -> str:
    return user.ok("id", "--json").json()[0]["fingerprint"]


def notes(app) -> list[str]:  # noqa: ANN001
    return [str(n.message) for n in app._notifications]


async def test_who_reacted_names_a_look_alike_with_their_fingerprint(alice: User, bob: User,
                                                                     team):
    alice.ok("send", "team", "lunch?")
    bob.ok("id", "--handle", FAKE)
    bob.ok("react", "team", "-1", "👍")
    alice.ok("react", "team", "-1", "👍")
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        await start_selecting(pilot, 1)
        await pilot.press("w")
        await wait_for(pilot, lambda: any("👍" in n for n in notes(app)))
        note = next(n for n in notes(app) if "👍" in n)
        assert note == f"👍 {FAKE}~{print_of(bob)}, alice~{print_of(alice)}", note


async def test_mention_completion_tells_look_alikes_apart(alice: User, bob: User, team):
    bob.ok("id", "--handle", FAKE)
    bob.ok("send", "team", "hi, it's me")
    shown = {f"alice~{print_of(alice)}", f"{FAKE}~{print_of(bob)}"}
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        composer = app.screen.query_one(Composer)
        await wait_for(pilot, lambda: set(composer.handles) == shown)
        await type_text(pilot, "hi @а")  # the Cyrillic а
        await pilot.press("tab")
        assert composer.text == f"hi @{FAKE}~{print_of(bob)} "


async def test_dm_completion_tells_look_alikes_apart(alice: User, bob: User, make_user, team):
    eve = make_user("eve")
    eve.ok("id", "--handle", FAKE)
    eve.ok("people")  # publishes her profile: known to alice, in no group of hers
    app = make_app(bob, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        composer = app.screen.query_one(Composer)
        await type_text(pilot, "/dm @")
        await pilot.press("tab")
        first = composer.text
        await pilot.press("tab")
        offered = {first, composer.text}
        assert offered == {f"/dm @alice~{print_of(alice)} ", f"/dm @{FAKE}~{print_of(eve)} "}, \
            offered


async def test_role_says_whom_it_changed_with_their_fingerprint(alice: User, bob: User, team):
    bob.ok("id", "--handle", FAKE)
    bob.ok("send", "team", "hi, it's me")
    fake = f"{FAKE}~{print_of(bob)}"
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await type_text(pilot, f"/role {fake} reader")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("is now reader" in n for n in notes(app)))
        assert f"{fake} is now reader" in notes(app), notes(app)
