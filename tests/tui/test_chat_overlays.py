"""Textual's toast rack and tooltip come to the chat screen after its first frame, and work
as before (issue 16: screens.chat_overlays; each widget mounted before the first frame is
registered, styled and started, against a bare Textual app that paints one line)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Tooltip
from textual.widgets._toast import Toast, ToastRack

from peers_tui.screens import ChatScreen
from peers_tui.widgets import Composer
from tests.conftest import User
from tests.tui_helpers import at_first_frame_with_messages, make_app, wait_for


def _overlays(screen: Any) -> list[str]:
    return [type(child).__name__ for child in screen.children
            if isinstance(child, (ToastRack, Tooltip))]


async def test_the_toast_rack_and_the_tooltip_come_after_the_first_frame_and_work(
        alice: User, bob: User, team: str) -> None:
    bob.ok("send", "team", "hello from bob")
    app = make_app(alice, "team")
    at_first: list[list[str]] = []
    at_first_frame_with_messages(app, lambda screen: at_first.append(_overlays(screen)))
    async with app.run_test(size=(120, 40), tooltips=True, notifications=True) as pilot:
        app.notify("before the first frame")
        await wait_for(pilot, lambda: bool(at_first))
        assert at_first == [[]]  # neither in the first frame
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        await wait_for(pilot, lambda: _overlays(screen) == ["ToastRack", "Tooltip"])
        # First among the screen's children, where Textual composes them.
        assert [type(child) for child in screen.children[:2]] == [ToastRack, Tooltip]
        rack = screen.get_child_by_type(ToastRack)
        # The notification made before the rack came is shown by it, and a later one too.
        await wait_for(pilot, lambda: len(rack.query(Toast)) == 1)
        app.notify("after the first frame")
        await wait_for(pilot, lambda: len(rack.query(Toast)) == 2)
        # A tooltip shows where the mouse rests.
        composer = screen.query_one(Composer)
        composer.tooltip = "write here"
        await pilot.hover(Composer)
        tooltip = screen.get_child_by_type(Tooltip)
        await wait_for(pilot, lambda: tooltip.display)
