"""A message that arrives live while the log reads its window again stays in the log.

The log reads the window on screen again when the group's membership moved (a cut takes
void records out of the file: MessageLog.membership_is). That read runs in a thread; a live
message merged after the read but before its result came back was dropped when the result
replaced the window, and never came back: the live feed had moved past it. Seen as a flake of
test_membership_events_stand_in_their_place_and_arrive_live ("welcome dave" never showed,
docs/performance.md, "Flakes, sixth pass"). The gate below only holds the thread's result
back until the live message is in; the read itself is the real one, of the real file.
"""

from __future__ import annotations

import threading

from textual.worker import get_current_worker

from peers_tui.widgets import MessageLog
from tests.conftest import User
from tests.tui_helpers import log_bodies, make_app, screen_text, wait_for


def hold_window_reads(store) -> tuple[threading.Event, threading.Event]:
    """Make the log's reads of the newest window (not the roster's: it reads some too) wait,
    once read, until `go` is set; `read` is set when one has read."""
    read, go = threading.Event(), threading.Event()
    recent = store.recent

    def held(limit: int):
        views = recent(limit)
        if get_current_worker().group == "log-window":
            read.set()
            go.wait(30)
        return views
    store.recent = held
    return read, go


async def test_a_live_message_during_a_window_read_is_kept(alice: User, bob: User, team):
    bob.ok("send", "team", "before")
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        log = app.screen.query_one(MessageLog)
        # The roster's first read (its events in the log) is the mark the next one compares.
        await wait_for(pilot, lambda: "bob joined" in screen_text(app) and not log.busy)
        read, go = hold_window_reads(app.screen.store)
        alice.ok("invite", "team")  # the membership mark moves: the window is read again
        await wait_for(pilot, read.is_set)
        bob.ok("send", "team", "while reading")
        await wait_for(pilot, lambda: "while reading" in log_bodies(app))
        go.set()
        await wait_for(pilot, lambda: not log.busy)
        await pilot.pause(0.1)
        assert log_bodies(app) == ["before", "while reading"]
        bob.ok("send", "team", "after")  # and the log goes on following
        await wait_for(pilot, lambda: log_bodies(app) == ["before", "while reading", "after"])


async def test_a_live_change_during_a_window_read_is_kept(alice: User, bob: User, team):
    """A reaction (a change to a message on screen) merged during the read stays too."""
    bob.ok("send", "team", "ship it?")
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: "bob joined" in screen_text(app) and not log.busy)
        read, go = hold_window_reads(app.screen.store)
        alice.ok("invite", "team")
        await wait_for(pilot, read.is_set)
        bob.ok("react", "team", "-1", "👍")
        await wait_for(pilot, lambda: "👍 1" in screen_text(app))
        go.set()
        await wait_for(pilot, lambda: not log.busy)
        await pilot.pause(0.1)
        assert "👍 1" in screen_text(app)
