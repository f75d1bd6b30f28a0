"""A change the user makes to the open group from the composer (/topic, /nick, /role) shows as
an event at the bottom of the log: the log goes there, as it does after a send. A new user
who had scrolled up (or left selection mode above the bottom) set the topic and saw only
"↓ 1 new message (Ctrl+End)"."""

from __future__ import annotations

import pytest

from peers_tui.widgets import MessageLog
from tests.conftest import User
from tests.tui_helpers import make_app, terminal_text, type_text, wait_for


@pytest.mark.parametrize("command, shown", [
    ("/topic release planning", "set the topic: release planning"),
    ("/nick alicia", "alicia"),
    ("/role bob reader", "reader"),
])
async def test_the_log_follows_to_the_users_own_change(alice: User, bob: User, team, command,
                                                        shown):
    bob.ok("join", alice.ok("invite", "team").out.strip())
    for n in range(60):
        alice.ok("send", "team", f"message {n}")
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: "message 59" in terminal_text(app) and not log.busy)
        await pilot.press("pageup", "pageup")
        await wait_for(pilot, lambda: "message 59" not in terminal_text(app))
        assert not log.following
        await type_text(pilot, command)
        await pilot.press("enter")
        await wait_for(pilot, lambda: log.following and "message 59" in terminal_text(app)
                       and shown in terminal_text(app))
