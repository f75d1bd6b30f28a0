"""A keystroke in the composer costs what it costs in a bare TextArea (figure 12): nothing it
posts travels further than the composer. TextArea posts Changed and SelectionChanged at every
key, and each bubbled to the chat screen and the app, which have no handler for either."""

from __future__ import annotations

from typing import Any

from textual._compositor import Compositor
from textual.message_pump import MessagePump
from textual.widgets import TextArea

from peers_tui.screens.chat_frame import ComposerRule
from tests.conftest import User
from tests.tui_helpers import make_app, wait_for


async def test_typing_in_the_composer_sends_no_message_up_to_the_screen_or_the_app(
        alice: User, team, monkeypatch):
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        composer = app.chat.composer
        composer.focus()
        await pilot.pause()
        seen: list[tuple[str, str]] = []
        dispatch = MessagePump._dispatch_message

        async def recording(self: MessagePump, message: Any) -> Any:
            if isinstance(message, (TextArea.Changed, TextArea.SelectionChanged)):
                seen.append((type(self).__name__, type(message).__name__))
            return await dispatch(self, message)
        monkeypatch.setattr(MessagePump, "_dispatch_message", recording)
        await pilot.press("h", "i", "left", "backspace")
        await pilot.pause()
        assert composer.text == "i"
        assert seen == []


async def test_a_keystroke_repaints_the_composers_text_row_and_nothing_else(
        alice: User, team, monkeypatch):
    """The rule above the composer is not the composer's own border: a widget's refresh
    repaints its border too, and that row (120 box-drawing characters, 360 bytes a key through
    the terminal) cost ~0.5 ms of every echo in tmux against a bare TextArea (figure 12)."""
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        composer = app.chat.composer
        await pilot.press("x")
        await pilot.pause()
        rows: set[int] = set()
        render = Compositor.render_partial_update

        def recording(self: Compositor) -> Any:
            rows.update(y for region in self._dirty_regions
                        for y in range(region.y, region.bottom))
            return render(self)
        monkeypatch.setattr(Compositor, "render_partial_update", recording)
        await pilot.press("y")
        await pilot.pause()
        assert composer.text == "xy"
        text_rows = set(range(composer.content_region.y, composer.content_region.bottom))
        assert rows and rows <= text_rows, (rows, text_rows)


async def test_the_rule_above_the_composer_is_accented_while_the_composer_has_the_focus(
        alice: User, team):
    alice.ok("send", "team", "something to select")
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        rule = app.chat.query_one(ComposerRule)
        await pilot.pause()
        accent = rule.styles.border_top[1]
        assert app.chat.composer.has_focus and rule.has_class("-lit")
        await pilot.press("alt+s")  # selection: the log takes the focus
        await wait_for(pilot, lambda: not app.chat.composer.has_focus)
        await wait_for(pilot, lambda: not rule.has_class("-lit"))
        assert rule.styles.border_top[1] != accent
        await pilot.press("escape")
        await wait_for(pilot, lambda: rule.has_class("-lit") and rule.styles.border_top[1] == accent)
