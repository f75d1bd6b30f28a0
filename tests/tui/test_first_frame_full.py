"""The whole screen is in the first frame (issue 16, h-fullpaint): the roster panel's heading
and members and the footer's keys, not only the log, the composer and the group list.

The outside check of issue 16 (h-outside16) timed `peers open` to the full screen at ~2x the
bare Textual floor: the roster waited for its worker (the membership log replayed again
through the models, the history checked, the hosts' file read) and the footer composed its
keys only once the screen's bindings were first published, a refresh after the first frame.
The first frame now shows the roster the first window was judged by (verified by the same
replay, on plain sqlite3) and the footer's keys. A roster that no longer holds the membership
change this user verified before is not shown early: the panel waits for the worker, which
says what is wrong.
"""

from __future__ import annotations

from typing import cast

import pytest

from peers_tui.core.account import Account
from peers_tui.core.start_account import StartAccount
from peers_tui.factory import build_app
from peers_tui.widgets import RosterPanel
from tests.conftest import User
from tests.tui_helpers import at_first_frame_with_messages, terminal_text, wait_for


def _first_frame(app: object, frames: list[str]) -> None:
    def take(screen: object) -> None:
        strips = screen._compositor.render_strips()  # type: ignore[attr-defined]
        frames.append("\n".join(strip.text for strip in strips))

    at_first_frame_with_messages(app, take)  # type: ignore[arg-type]


@pytest.mark.parametrize("start", ["start_account", "account"])
async def test_the_first_frame_shows_the_roster_and_the_footer_keys(
        alice: User, bob: User, team: str, start: str) -> None:
    bob.ok("send", "team", "hello from bob")
    opened = (cast("Account", StartAccount.open(alice.home, alice.hub))
              if start == "start_account" else Account(alice.home, alice.hub))
    app = build_app(opened, "team")
    frames: list[str] = []
    _first_frame(app, frames)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: bool(frames))
        first = frames[0]
        assert "hello from bob" in first
        assert "^p palette" in first, first  # the footer's keys
        if start == "start_account":  # `peers` and `peers open`: the lean first read
            assert "Members (2)" in first, first
            assert "alice" in first.split("Members (2)")[1] and "bob" in first, first
        await wait_for(pilot, lambda: app.chat.roster_shown > 0 and app.is_idle)
        assert app.screen.query_one(RosterPanel).handles == ["alice", "bob"]


async def test_a_roster_short_of_the_pinned_change_waits_for_the_worker(
        alice: User, bob: User, team: str) -> None:
    """The file no longer holds the membership change alice verified (pinned here as a head
    beyond the file's): the first frame leaves the panel empty rather than show members the
    user's own record says are out of date; the worker shows them with its warning."""
    import sqlite3

    bob.ok("send", "team", "hello from bob")
    with sqlite3.connect(alice.home / "personal.db") as personal:
        personal.execute("UPDATE groups SET member_head_seq = 99, member_head_hash = 'gone'"
                         " WHERE name = 'team'")
    app = build_app(cast("Account", StartAccount.open(alice.home, alice.hub)), "team")
    frames: list[str] = []
    _first_frame(app, frames)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: bool(frames))
        assert "hello from bob" in frames[0]
        assert "Members (" not in frames[0], frames[0]
        await wait_for(pilot, lambda: app.chat.roster_shown > 0 and app.is_idle)
        await wait_for(pilot, lambda: "History deleted" in terminal_text(app))
        assert app.screen.query_one(RosterPanel).handles == ["alice", "bob"]
