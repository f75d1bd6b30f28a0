"""Helpers for driving the real app with Pilot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from typing import Any

from peers_tui.app import PeersApp
from peers_tui.core.account import Account
from peers_tui.factory import build_app
from peers_tui.widgets import Composer, MessageLog
from tests.conftest import User


def make_app(user: User, group: str | None = None) -> PeersApp:
    return build_app(Account(user.home, user.hub), group)


async def wait_for(pilot, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until `predicate()` holds (workers and live updates take a moment)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.02)
        if predicate():
            return
    raise AssertionError("condition not reached in time")


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


__all__ = ["asyncio", "make_app", "wait_for", "log_bodies", "screen_text", "type_text"]


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


def send_all(user: User, group: str, bodies: Iterable[str]) -> None:
    """Post `bodies` in order as `user`, each a whole `Account.send` (signed, committed on its
    own), with the personal and group files kept open across them as the app keeps them for a
    burst of sends: opening and closing them around each send (a close checkpoints the WAL and
    syncs it) was ~25 of a send's ~67 ms (docs/performance.md, "Test suite time, fourth pass")."""
    account = Account(user.home, user.hub)
    with account.personal.session():
        _, store = account.group_store(group)
        with store.session():
            for body in bodies:
                account.send(group, body)
