"""Waiting until the app has caught up with everything it started, for tests and pictures.

settle() waits for what the first screen shows (the log's first window, the roster), writes
the read marker the open group's log reported (normally a second later), then waits for the
app's own background work (PeersApp.is_idle: the hub watched, no recount due or running) and
stops the cursor blinking, so a snapshot taken after it is the same every time.
"""

from __future__ import annotations

from typing import Any

from peers_tui.app import PeersApp
from peers_tui.widgets import MessageLog, RosterPanel


async def settle(pilot: Any, attempts: int = 500) -> None:
    """Let `pilot`'s PeersApp run until it is idle (at most `attempts` pauses of 10 ms)."""
    app = pilot.app
    assert isinstance(app, PeersApp)
    flushed = False
    for _ in range(attempts):
        await pilot.pause(0.01)
        log = app.chat.query_one(MessageLog)
        roster = app.chat.query_one(RosterPanel)
        if app.chat.reads.pending is not None:
            app.chat.flush_read()
            flushed = True
            continue  # its MarkRead is on the way: look again once it arrived
        if (not log.busy and roster.handles and app.summaries and app.chat.first_composer is None
                and (flushed or not log.views) and app.is_idle):
            break
    app.chat.composer.cursor_blink = False  # mounted after the first frame (first_composer)
    await pilot.pause()
