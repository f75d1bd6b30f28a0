"""What an empty log tells a newcomer to do next, by the kind of group."""

from __future__ import annotations

from tests.conftest import User
from tests.tui_helpers import make_app, terminal_text, type_text, wait_for


async def test_an_empty_direct_conversation_names_the_person_not_invite(alice: User, bob: User,
                                                                        hub):
    """alice starts a conversation with bob from the app: its empty log says whom it is
    with, not "/invite: a code for others to join" (a group's hint: it told her to hand out
    codes to a conversation of two)."""
    hub.mkdir(parents=True, exist_ok=True)
    for user in (alice, bob):
        user.ok("people")
    app = make_app(alice, "personal")
    async with app.run_test(size=(100, 30)) as pilot:
        await type_text(pilot, "/dm bob")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "A direct conversation with bob" in terminal_text(app))
        assert "/invite" not in terminal_text(app)
        assert "No messages yet" in terminal_text(app)


async def test_an_empty_group_still_offers_invite(alice: User):
    alice.ok("create", "team")
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "/invite: a code for others to join" in terminal_text(app))
        assert "direct conversation" not in terminal_text(app)
