"""Enter commits the message before the sender's app paints (figure 13, issue 16).

The outbox thread and the event loop share the interpreter lock: the composer's repaint after
Enter held it for the first milliseconds of every send, and the send then shared it with the
paint, so the other users' screens waited for the sender's own. The loop now waits, a bounded
moment, for the commit (`Outbox.put` tells when the message is stored or refused).
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

import pytest

from peers_tui.app import PeersApp
from peers_tui.core.account import Account
from peers_tui.messages import MessageSent, SendFailed
from peers_tui.outbox import Outbox
from tests.conftest import User
from tests.tui_helpers import background_started, log_bodies, make_app, type_text, wait_for


def stored_bodies(user: User, group: str) -> list[str]:
    """The message bodies committed to the group's file, read on a connection of our own."""
    path = Account(user.home, user.hub).resolve(group).db_path
    with sqlite3.connect(path) as connection:
        return [body for (body,) in connection.execute("SELECT body FROM message ORDER BY rowid")]


def committed_when_handled(monkeypatch: pytest.MonkeyPatch, user: User, group: str,
                           wait: float) -> list[list[str]]:
    """The bodies committed to the file as each send's handler returns, in order; the app's
    wait for the commit set to `wait` (the mechanism, not the bound)."""
    seen: list[list[str]] = []
    handle = PeersApp.on_send_message

    def handled(self: PeersApp, event: Any) -> None:
        handle(self, event)
        seen.append(stored_bodies(user, group))
    monkeypatch.setattr(PeersApp, "on_send_message", handled)
    monkeypatch.setattr("peers_tui.app.SEND_FIRST_WAIT", wait)
    return seen


class Reports:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    def post_message(self, message: Any) -> bool:
        self.messages.append(message)
        return True


def test_put_tells_when_the_message_is_stored_or_refused(alice: User, team: str):
    outbox = Outbox(Account(alice.home, alice.hub))
    reports = Reports()
    worker = threading.Thread(target=outbox.run, args=(reports,))
    worker.start()
    try:
        stored = outbox.put(team, "first")
        assert stored.wait(30)
        assert stored_bodies(alice, team)[-1:] == ["first"]  # committed when it is told
        refused = outbox.put(team, "x" * 100_000)  # over the length a message may have
        assert refused.wait(30)
    finally:
        outbox.close()
        worker.join(30)
    assert [type(m) for m in reports.messages] == [MessageSent, SendFailed]
    assert stored_bodies(alice, team).count("first") == 1


async def test_enter_returns_to_the_loop_with_the_message_committed(
        alice: User, team: str, monkeypatch: pytest.MonkeyPatch):
    # The mechanism, not the bound: under load a commit takes longer than the 30 ms the app
    # waits at most, and the test would then time the machine.
    committed = committed_when_handled(monkeypatch, alice, team, 30.0)
    app = make_app(alice, "team")
    async with app.run_test() as pilot:
        await background_started(pilot, app)
        for n in range(3):
            await type_text(pilot, f"sent {n}")
            await pilot.press("enter")
            await wait_for(pilot, lambda: f"sent {n}" in log_bodies(app))
    # Each in order, once, and in the file before the loop went on to paint.
    assert [bodies[-1] for bodies in committed] == ["sent 0", "sent 1", "sent 2"]
    assert stored_bodies(alice, team).count("sent 1") == 1
