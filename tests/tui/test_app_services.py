"""The app's own parts: the one worker-error handler, the idle signal tests and pictures wait
for, and the one factory every caller builds the app with."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import User
from tests.tui_helpers import make_app, wait_for

ROOT = Path(__file__).resolve().parents[2]


async def test_a_worker_that_fails_says_so_in_one_notification(alice: User, team):
    app = make_app(alice, "team")

    def count_the_impossible() -> None:
        raise ValueError("no such count\nTraceback line that must not be shown")

    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.is_idle)
        app.run_worker(count_the_impossible, name="recount", thread=True, exit_on_error=False)
        await wait_for(pilot, lambda: any(n.title == "recount failed" for n in app._notifications))
        [failure] = [n for n in app._notifications if n.title == "recount failed"]
        assert failure.message == "no such count" and failure.severity == "error"
        assert app.is_running  # reported, not fatal


async def test_a_screens_or_widgets_failed_worker_reaches_the_same_handler(alice: User, team):
    """Worker.StateChanged does not bubble: a failure on the chat screen or the roster panel
    would vanish unless they hand it on."""
    from peers_tui.widgets import RosterPanel

    app = make_app(alice, "team")

    def read_the_unreadable() -> None:
        raise OSError("disk went away")

    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.is_idle)
        for node, name in ((app.chat, "roster read"), (app.chat.query_one(RosterPanel), "poll")):
            node.run_worker(read_the_unreadable, name=name, thread=True, exit_on_error=False)
            await wait_for(pilot, lambda: any(n.title == f"{name} failed"
                                              for n in app._notifications))
        assert app.is_running


async def test_the_app_becomes_idle_once_the_hub_is_watched_and_counted(alice: User, team):
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.is_idle)
        assert team in app.hub_watch.watched
        assert [s.name for s in app.summaries] == ["personal", "team"]


def test_the_screenshot_script_builds_the_app_without_the_tests():
    script = (ROOT / "scripts" / "screenshots.py").read_text()
    assert "from tests" not in script and "import tests" not in script
    assert "demo.app(" in script


async def test_the_app_is_never_idle_before_its_first_count(alice: User, team):
    """The watcher runs a moment before its first report reaches the counts: idle then (a CI
    saw it) gave tests and pictures a group list not counted yet."""
    import asyncio
    import time

    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)):
        deadline = time.monotonic() + 20
        while not app.is_idle and time.monotonic() < deadline:
            await asyncio.sleep(0)  # every turn of the event loop, not every 10 ms
        assert app.is_idle
        assert [s.name for s in app.summaries] == ["personal", "team"]
