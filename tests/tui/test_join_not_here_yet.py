"""The app's /join with a code its hub's copy of the group does not know, on a hub with a
relay set up: the code may be genuine, made on another host a moment ago and not arrived yet
(docs/relay.md, "Acceptance from the CLI, sixth pass"), so the app says so, as `peers join`
does, instead of only "wrong or forged code". Without a relay, the old words."""

from __future__ import annotations

from tests.conftest import User
from tests.tui_helpers import make_app, type_text, wait_for


def told(app, text: str) -> str | None:  # noqa: ANN001
    return next((n.message for n in app._notifications if text in n.message), None)


def unknown_code(alice: User, team: str) -> str:
    """A code for team with the secret of another group's invite: not known to team."""
    alice.ok("create", "other")
    secret = alice.ok("invite", "other").out.strip().rsplit(":", 1)[1]
    return f"peers1:{team}:{secret}"


async def join_in_the_app(carol: User, code: str) -> str:
    app = make_app(carol, "personal")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.is_idle)
        await type_text(pilot, f"/join {code}")
        await pilot.press("enter")
        await wait_for(pilot, lambda: told(app, "not known to the group") is not None)
        said = told(app, "not known to the group")
    assert said is not None
    return said


async def test_a_code_not_known_here_may_not_have_arrived_on_a_hub_with_a_relay(
        alice: User, carol: User, team: str):
    code = unknown_code(alice, team)
    carol.ok("relay", "init", "--hub")
    said = await join_in_the_app(carol, code)
    assert "not arrived yet" in said and "try again" in said, said


async def test_without_a_relay_the_code_is_only_wrong_or_forged(
        alice: User, carol: User, team: str):
    said = await join_in_the_app(carol, unknown_code(alice, team))
    assert "(wrong or forged code)" in said and "arrived" not in said, said
