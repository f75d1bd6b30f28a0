"""The TUI open on a group with thousands of records aimed at one message (issue 15): the
window shows, the message's reactions and latest edit as `peers log` shows them, and its
5,000 junk edits as one folded line a kind of junk (core.views.folded_changes)."""

from __future__ import annotations

from peers_tui.core import row_checks
from peers_tui.core.account import Account
from peers_tui.widgets import MessageLog
from tests.conftest import User
from tests.crowded_helpers import JUNK, crowd
from tests.tui_helpers import make_app, screen_text, wait_for


async def test_the_window_shows_with_the_forged_lines_folded(alice: User, bob: User, team):
    shown = crowd(alice, bob, team)
    Account(alice.home, alice.hub).set_last_group(team)
    before = row_checks.CHECKED["rows"]
    app = make_app(alice)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        def target_shown() -> bool:
            views = app.screen.query_one(MessageLog).views
            return any(v.id == shown["target"] and v.body == "target, edited" for v in views)

        await wait_for(pilot, target_shown, timeout=60)
        [view] = [v for v in app.screen.query_one(MessageLog).views if v.id == shown["target"]]
        assert [(r.emoji, r.count) for r in view.reactions] == [("👍", 1)]
        assert len(view.forged_changes) == JUNK
        await pilot.pause(0.2)
        text = screen_text(app)
        assert text.count("forged edit") == 2, text  # one line a kind of junk
        assert "⚠ 2,500 forged edits by alice" in text
        assert "👍 1" in text
        assert not [n for n in app._notifications if n.severity == "error"]
    # The first frame and the full read that follows: a few rows each, not 7,002.
    assert row_checks.CHECKED["rows"] - before <= 20
