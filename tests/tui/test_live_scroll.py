"""A live message is scrolled into view in the same frame that adds it (issue 16).

Scrolled only after that frame's refresh, it reached a real terminal ~40 ms later (the
refresh painting the log as it was, then another): most of Enter-to-the-other-screen.
"""

from __future__ import annotations

from peers_tui.core.account import Account
from peers_tui.widgets import MessageLog
from tests.conftest import User
from tests.tui_helpers import log_bodies, make_app, send_all, wait_for


async def test_a_live_message_is_in_view_before_the_next_refresh(alice: User, bob: User, team):
    writer = Account(bob.home, bob.hub)
    # More than a screenful, by the author of the live message.
    send_all(bob, "team", (f"filler {i}" for i in range(40)))
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 24)) as pilot:
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: log_bodies(app)[-1:] == ["filler 39"])
        await wait_for(pilot, lambda: log.following and log.scroll_y == log.max_scroll_y > 0)
        view = writer.send("team", "live one")
        log.apply_live([view])  # what the chat screen does with what its live feed read
        # No await: no refresh has run yet. The frame that follows must show the new line.
        assert log.views[-1].body == "live one"
        assert log.scroll_y == log.max_scroll_y, (log.scroll_y, log.max_scroll_y)
