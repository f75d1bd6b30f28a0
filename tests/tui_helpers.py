"""Helpers for driving the real app with Pilot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from peers_tui.app import PeersApp
from peers_tui.core.account import Account
from peers_tui.factory import build_app
from peers_tui.widgets import Composer, MessageLog
from tests.conftest import User, send_all  # noqa: F401 (send_all: for the UI tests)


def make_app(user: User, group: str | None = None) -> PeersApp:
    return build_app(Account(user.home, user.hub), group)


async def wait_for(pilot, predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    """Let the app run until `predicate()` holds (workers and live updates take a moment).
    20 s: a CI lane beside other work (load ~20 on 2 cores) took over 10 s for a /create and
    the CLI call that checked it; a passing test waits no longer for it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.02)
        if predicate():
            return
    raise AssertionError("condition not reached in time")


async def background_started(pilot, app: PeersApp) -> None:
    """Until the work after the first paint has started the outbox's thread: a test of how a
    send waits for its commit (SEND_FIRST_WAIT) types only then. A send before it does not
    wait (PeersApp.on_send_message), and under a loaded CI the first Enter came before it."""
    await wait_for(pilot, lambda: app.background.outbox is not None)
    await pilot.pause(0.05)  # the thread worker starts at a later turn of the loop


def log_bodies(app: PeersApp) -> list[str]:
    return [view.body for view in app.screen.query_one(MessageLog).views]


def screen_text(app: PeersApp) -> str:
    """The log's rendered lines as plain text."""
    log = app.screen.query_one(MessageLog)
    return "\n".join(strip.text for strip in log.rendered_lines)


async def type_text(pilot, text: str) -> None:
    composer = pilot.app.screen.query_one(Composer)
    composer.insert(text)
    await pilot.pause()


async def submit(pilot, text: str, until: Callable[[], bool]) -> None:
    """Type `text` into the composer, press Enter, and wait until `until()` holds."""
    await type_text(pilot, text)
    await pilot.press("enter")
    await wait_for(pilot, until)


async def send_typed(pilot, app: PeersApp, bodies: list[str]) -> None:
    """Type each of `bodies` into the open chat's composer and press Enter, waiting for each
    to show in the log before the next; no "Not sent" notification may come of any."""
    await wait_for(pilot, lambda: app.chat.query_one(MessageLog).loaded)
    for body in bodies:
        await type_text(pilot, body)
        await pilot.press("enter")
        await wait_for(pilot, lambda body=body: body in log_bodies(app))
    assert not [n for n in app._notifications if n.title == "Not sent"]


__all__ = ["asyncio", "make_app", "wait_for", "log_bodies", "screen_text", "type_text",
           "submit", "send_typed"]


def at_first_frame_with_messages(app: PeersApp, take: Callable[[Any], None]) -> None:
    """Call `take(screen)` when the app writes the first frame whose log shows messages (what
    a terminal shows first), before that frame goes out."""
    display = app._display
    taken: list[bool] = []

    def drawn(screen: Any, renderable: Any) -> None:
        logs = screen.query(MessageLog)
        if not taken and renderable is not None and logs and logs.first().views:
            taken.append(True)
            take(screen)
        display(screen, renderable)

    app._display = drawn  # type: ignore[method-assign]



def terminal_text(app: PeersApp) -> str:
    """The whole screen as a terminal of the app's size shows it, one line a row (with the
    screens below a modal), as plain text: what a user reads, for tests at small sizes."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False,
                      safe_box=False)
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens))
    return console.export_text()
