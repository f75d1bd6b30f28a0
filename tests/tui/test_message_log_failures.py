"""A window the log cannot read is told to the user, whatever went wrong in the worker."""

from __future__ import annotations

from textual.app import App, ComposeResult

from peers_tui.core.errors import PeersError
from peers_tui.core.views import MessageView
from peers_tui.widgets import MessageLog
from tests.tui_helpers import wait_for


class FailingHistory:
    """A history source whose every read fails with `error` (a bug, or a damaged file)."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def _fail(self, *args: object) -> list[MessageView]:
        raise self.error

    recent = before = after = oldest = around = _fail


class LogApp(App[None]):
    def compose(self) -> ComposeResult:
        yield MessageLog()


async def failure_notified(error: Exception) -> str:
    app = LogApp()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        log = app.query_one(MessageLog)
        log.show(FailingHistory(error), None)
        await wait_for(pilot, lambda: bool(app._notifications))
        assert not log.window.loading and not log.loaded  # not stuck "loading"; nothing shown
        [note] = app._notifications
        assert note.title == "Could not read the group" and note.severity == "error"
        return note.message


async def test_an_unexpected_error_in_the_fetch_worker_is_notified():
    message = await failure_notified(RuntimeError("boom\x1b[31m"))
    assert "RuntimeError" in message and "boom" in message
    assert "\x1b" not in message  # shown inert


async def test_a_damaged_group_is_notified_as_before():
    assert await failure_notified(PeersError("the group file is damaged")) == \
        "the group file is damaged"
