"""What a send writes after its message (the read marker, the pins) comes after the echo,
once for a burst of sends, and always lands (issue 16, figure 13).

It was written in the outbox thread right after the commit, before the chat screen heard of
the message: ~40 % of a send's time, while the sender's and the other users' screens were
painting it on cores they share.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from peers_tui.core import message_actions
from peers_tui.core.account import Account
from peers_tui.messages import MessageSent
from peers_tui.outbox import AFTER_SEND_DELAY, Outbox
from tests.conftest import User
from tests.tui_helpers import make_app, type_text, wait_for


class Screen:
    """Where the outbox reports each outcome (the chat screen in the TUI): here, with the
    read marker as stored at the moment each message was reported."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.reported: list[tuple[object, str | None]] = []

    def post_message(self, message: object) -> bool:
        group = getattr(message, "group_id", "")
        self.reported.append((message, self.account.personal.group(group).read_marker))
        return True


def run(outbox: Outbox, screen: Screen) -> threading.Thread:
    worker = threading.Thread(target=outbox.run, args=(screen,))
    worker.start()
    return worker


def pinned_own_head(account: Account, group: str) -> tuple[int, str] | None:
    return account.resolve(group).author_heads.get(account.user_id)


def own_head(account: Account, group: str) -> tuple[int, str]:
    store = account.store(account.resolve(group))
    return store.write_pins(account.user_id)[2][account.user_id]


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The group of every send's bookkeeping written, in order."""
    written: list[str] = []
    write = message_actions.AfterSend.write

    def recorded(self: message_actions.AfterSend) -> None:
        written.append(self.group_id)
        write(self)
    monkeypatch.setattr(message_actions.AfterSend, "write", recorded)
    return written


def test_the_message_is_reported_before_its_read_marker_and_pins_are_written(alice, team):
    account = Account(alice.home, alice.hub)
    before = account.resolve(team).read_marker
    screen = Screen(account)
    outbox = Outbox(account)
    outbox.put(team, "hello")
    outbox.close()
    run(outbox, screen).join(30)
    (message, marker_then), = screen.reported
    assert isinstance(message, MessageSent)
    assert marker_then == before  # the echo went first
    # ... and the bookkeeping landed before the thread ended.
    assert account.resolve(team).read_marker == message.view.id
    assert pinned_own_head(account, team) == own_head(account, team)


def test_a_burst_of_sends_writes_once_per_group_and_leaves_the_last_message_read(
        alice, team, writes):
    account = Account(alice.home, alice.hub)
    other = account.create_group("other").id
    screen = Screen(account)
    outbox = Outbox(account)
    for i in range(5):
        outbox.put(team, f"team {i}")
        if i % 2:
            outbox.put(other, f"other {i}")
    outbox.close()
    run(outbox, screen).join(30)
    sent = [message.view for message, _ in screen.reported]
    assert [view.body for view in sent] == [
        "team 0", "team 1", "other 1", "team 2", "team 3", "other 3", "team 4"]
    assert sorted(writes) == sorted([team, other])  # one write per group for the burst
    assert account.resolve(team).read_marker == sent[-1].id
    assert account.resolve(other).read_marker == sent[-2].id
    for group in (team, other):
        assert pinned_own_head(account, group) == own_head(account, group)


def test_the_bookkeeping_lands_within_its_delay_while_the_outbox_runs_on(alice, team, writes):
    account = Account(alice.home, alice.hub)
    screen = Screen(account)
    outbox = Outbox(account)
    worker = run(outbox, screen)
    try:
        outbox.put(team, "hello")
        deadline = time.monotonic() + 10
        while not screen.reported and time.monotonic() < deadline:
            time.sleep(0.01)
        (message, _), = screen.reported
        reported = time.monotonic()
        # The read marker and the pins are two writes: wait for both, not the first alone.
        while (account.resolve(team).read_marker != message.view.id or writes != [team]
               or pinned_own_head(account, team) != own_head(account, team)):
            assert time.monotonic() - reported < AFTER_SEND_DELAY + 5, "never written"
            time.sleep(0.02)
    finally:
        outbox.close()
        worker.join(30)
    assert writes == [team]  # nothing left to write at the end


async def test_enter_in_the_tui_leaves_the_read_marker_on_the_message_sent(
        alice: User, team: Any):
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        app.chat.composer.focus()
        await type_text(pilot, "read me")
        await pilot.press("enter")
        store = app.account.store(app.account.resolve("team"))
        await wait_for(pilot, lambda: [v.body for v in store.recent(1)] == ["read me"])
        sent = store.recent(1)[0].id
        await wait_for(pilot, lambda: app.account.resolve("team").read_marker == sent,
                       timeout=AFTER_SEND_DELAY + 10)


async def test_enter_reaches_the_outbox_without_extra_turns_of_the_loop(
        alice: User, team: Any, monkeypatch: pytest.MonkeyPatch):
    """Composer -> chat screen -> app, once each: the screen handles Submitted (the app has
    nothing to do with it) and posts SendMessage straight to the app, its owner."""
    from textual.message_pump import MessagePump

    from peers_tui.messages import SendMessage
    from peers_tui.widgets import Composer

    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        app.chat.composer.focus()
        await type_text(pilot, "quick")
        seen: list[tuple[str, str]] = []
        dispatch = MessagePump._dispatch_message

        async def recording(self: MessagePump, message: Any) -> Any:
            if isinstance(message, (Composer.Submitted, SendMessage)):
                seen.append((type(self).__name__, type(message).__name__))
            return await dispatch(self, message)
        monkeypatch.setattr(MessagePump, "_dispatch_message", recording)
        await pilot.press("enter")
        store = app.account.store(app.account.resolve("team"))
        await wait_for(pilot, lambda: [v.body for v in store.recent(1)] == ["quick"])
        assert seen == [("Composer", "Submitted"), ("ChatScreen", "Submitted"),
                        ("PeersApp", "SendMessage")], seen
