"""A keystroke in the composer costs what it costs in a bare TextArea (figure 12): nothing it
posts travels further than the composer. TextArea posts Changed and SelectionChanged at every
key, and each bubbled to the chat screen and the app, which have no handler for either."""

from __future__ import annotations

from typing import Any

from textual.message_pump import MessagePump
from textual.widgets import TextArea

from tests.conftest import User
from tests.tui_helpers import make_app


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
