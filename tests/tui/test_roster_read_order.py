"""A roster read that finishes after a later one is not shown over it.

Each membership change the live feed sees starts a roster read in a thread (exclusive: the
one before is cancelled, but a thread that runs cannot be stopped, and it still posts what it
read). When the earlier read came back last, the screen showed the older membership (members,
events in the log, the mark the next live batch is compared with) until the next change. The
gate below only holds the first read's result back; both reads are the real ones.
"""

from __future__ import annotations

import threading

from textual.worker import get_current_worker

from peers_tui.widgets import MessageLog, RosterPanel
from tests.conftest import User
from tests.tui_helpers import make_app, screen_text, wait_for


async def test_an_earlier_roster_read_coming_back_late_is_dropped(alice: User, bob: User,
                                                                  carol: User, team):
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: "bob joined" in screen_text(app) and not log.busy)
        store = app.screen.store
        read, go = threading.Event(), threading.Event()
        events = store.events

        def held():
            shown = events()
            if get_current_worker().group == "chat-roster" and not read.is_set():
                read.set()  # the first read after this: held until the second is shown
                go.wait(30)
            return shown
        store.events = held
        code = alice.ok("invite", "team").out.strip()  # a membership change: a roster read
        await wait_for(pilot, read.is_set)
        carol.ok("join", code)  # the next: another read, which comes back first
        await wait_for(pilot, lambda: "carol joined" in screen_text(app))
        roster = app.screen.query_one(RosterPanel)
        assert "carol" in {handle for _, handle in roster.people}
        go.set()  # its thread posts at once; a second is ample for the screen to take it
        await pilot.pause(1.0)
        assert "carol joined" in screen_text(app)
        assert "carol" in {handle for _, handle in roster.people}
        assert app.screen.membership == store.membership_mark()
