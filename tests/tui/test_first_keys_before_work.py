"""Keys typed at the first frame are in the composer, and drawn, before the rest of what waited
for that frame is done (key_order.after_keys): the files kept for the next start, the last
group's commit, the CLI's tasks, the background's threads, the footer's and the bars' mounts.
That work ran in the first paint's batch with the composer's mount, before its focus handed the
keys on: the first keys echoed 165-300 ms late while a large group's history streamed in, and
~0.4-0.7 s at load 5 (issue 16)."""

from __future__ import annotations

import time
from typing import Any, cast

from textual import events

from peers_tui.core.start_account import StartAccount
from peers_tui.factory import build_app
from tests.conftest import User
from tests.tui_helpers import at_first_frame_with_messages, wait_for

SLOW = 0.3  # s: the after-paint work on a busy machine (its files, its threads, its imports)


async def test_keys_typed_at_the_first_frame_are_drawn_before_the_after_paint_work(
        alice: User, bob: User, team: str) -> None:
    bob.ok("send", "team", "hello from bob")
    app = build_app(cast("Any", StartAccount.open(alice.home, alice.hub)), "team")
    typed = ["o", "r", "d", "e", "r"]
    drawn: list[str] = []  # the composer's text at each frame written
    at_work: list[str | None] = []  # the text of the last frame written, as the work starts

    def slow_work() -> None:  # among the app's own after-paint tasks (the CLI's are there)
        at_work.append(drawn[-1] if drawn else None)
        time.sleep(SLOW)

    app.first_paint_work.tasks.append(slow_work)
    before: list[str] = []  # the composer's text as the work before the keys runs

    def urgent_work() -> None:  # the CLI's membership order: before any key typed ahead
        composer = app.chat._composer
        before.append(composer.text if composer is not None and composer.is_mounted else "")

    app.first_paint_work.before_keys.append(urgent_work)
    display = app._display

    def written(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        if renderable is not None:
            composer = app.chat._composer
            drawn.append(composer.text if composer is not None and composer.is_mounted else "")

    app._display = written  # type: ignore[method-assign]
    at_first_frame_with_messages(app, lambda screen: [
        app.post_message(events.Key(key, key)) for key in typed])
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: bool(at_work) and app.is_idle
                       and bool(app.screen.query("Footer")))
        assert at_work == ["order"], (at_work, drawn)
        assert before == [""]
        assert app.chat.composer.text == "order"
        assert app.account.last_group().id == app.chat.entry.id  # the work did run after


async def test_an_app_ended_at_its_first_frame_opens_the_same_group_at_the_next_start(
        alice: User, bob: User, team: str) -> None:
    """The last group's commit waits for the keys typed at the first frame; an app closed
    before then (a window shut at once) still saves it as it ends."""
    bob.ok("send", "team", "hello from bob")
    account = StartAccount.open(alice.home, alice.hub)
    assert account.last_group().id != team
    app = build_app(cast("Any", account), "team")
    at_first_frame_with_messages(app, lambda screen: app.exit())
    async with app.run_test(size=(120, 30)):
        pass
    assert app.first_paint_work is not None and not app.first_paint_work.tasks_ran
    assert StartAccount.open(alice.home, alice.hub).last_group().id == team


async def test_a_group_switched_to_at_the_first_frame_stays_the_last_group(
        alice: User, bob: User, team: str) -> None:
    """A switch typed at the first frame saves its group before the after-paint work runs:
    that work must not put back the group opened first."""
    bob.ok("send", "team", "hello from bob")
    app = build_app(cast("Any", StartAccount.open(alice.home, alice.hub)), "team")
    personal = app.account.entries()[0].id
    at_first_frame_with_messages(app, lambda screen: app.post_message(
        events.Key("alt+1", None)))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.chat.entry.id == personal and app.is_idle
                       and bool(app.screen.query("Footer"))
                       and app.first_paint_work is not None and app.first_paint_work.tasks_ran)
    assert StartAccount.open(alice.home, alice.hub).last_group().id == personal


async def test_a_message_sent_at_the_first_frame_is_stored_before_the_loop_goes_on(
        alice: User, bob: User, team: str, monkeypatch: Any) -> None:
    """Enter typed at the first frame comes before the work after it, which starts the
    outbox's thread: the send starts it itself and does not wait for it (a thread worker
    starts at the loop's next turn, which the wait holds up); the message follows. Without,
    the app held its loop for the whole SEND_FIRST_WAIT waiting for a thread that was not
    there, and a message sent then came only after it (a fresh-clone CI under load)."""
    from tests.tui.test_send_first import committed_when_handled, stored_bodies

    bob.ok("send", "team", "hello from bob")
    committed = committed_when_handled(monkeypatch, alice, team, 5.0)
    app = build_app(cast("Any", StartAccount.open(alice.home, alice.hub)), "team")
    at_first_frame_with_messages(app, lambda screen: [
        app.post_message(events.Key(key, key if len(key) == 1 else None))
        for key in ("h", "i", "enter")])
    async with app.run_test(size=(120, 30)) as pilot:
        started = time.monotonic()
        await wait_for(pilot, lambda: bool(committed))
        waited = time.monotonic() - started
        await wait_for(pilot, lambda: "hi" in stored_bodies(alice, team))
    assert waited < 4.0, waited  # not the whole bound
