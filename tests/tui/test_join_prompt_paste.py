"""A code pasted into the join prompt wrapped over two lines (copied from the invites dialog at
80 columns) joins: Textual's Input kept the first line of a paste only."""

from __future__ import annotations

from textual.events import Paste
from textual.widgets import Input

from peers_tui.screens.prompt import PromptScreen
from peers_tui.widgets import MessageLog
from tests.cli.test_wrapped_codes import wrapped
from tests.conftest import User
from tests.tui_helpers import log_bodies, make_app, wait_for


async def test_a_wrapped_code_pasted_into_the_join_prompt_joins(alice: User, carol: User,
                                                                team: str):
    code = alice.ok("invite", "team").out.strip()
    alice.ok("send", "team", "welcome")
    app = make_app(carol)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+g", "j")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen)
                       and bool(app.screen.query(Input)))
        field = app.screen.query_one(Input)
        field.post_message(Paste(wrapped(code, "\n")))  # as a terminal's bracketed paste
        await wait_for(pilot, lambda: field.value.replace(" ", "") == code)
        await pilot.press("enter")
        # the group list goes, and the joined group opens with its message
        await wait_for(pilot, lambda: bool(app.screen.query(MessageLog))
                       and "welcome" in log_bodies(app))
