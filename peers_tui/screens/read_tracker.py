"""ReadTracker: when the open group's newest messages count as read.

The log reports the newest message on screen (MessageLog.ReadUpTo); it is remembered and
written at most once a second, so a busy group does not write to personal.db at every
message. What arrives while another screen covers the chat (the group list, a search, help)
is not seen until the user is back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen
from textual.timer import Timer

READ_MARK_DELAY = 1.0  # seconds: how often, at most, the read marker is written while following

Mark = tuple[int, str]  # (rowid, id) of a message: the later stored, not the higher id, wins


class ReadTracker:
    def __init__(self, screen: Screen[Any], write: Callable[[str], object]) -> None:
        self.screen = screen
        self.write = write  # writes the read marker (a message id) of the open group
        self.pending: Mark | None = None  # seen, not written yet
        self.waiting: Mark | None = None  # arrived under another screen
        self._timer: Timer | None = None

    def seen(self, mark: Mark) -> None:
        """The message `mark` is on screen, the newest there."""
        if self.screen.app.screen is not self.screen:
            self.waiting = max(self.waiting or mark, mark)
            return
        self.pending = max(self.pending or mark, mark)
        if self._timer is None:
            self._timer = self.screen.set_timer(READ_MARK_DELAY, self.flush)

    def take_waiting(self) -> Mark | None:
        """What arrived under another screen, now that the user is back (once)."""
        waiting, self.waiting = self.waiting, None
        return waiting

    def flush(self) -> None:
        """Write what was seen now (before the screen switches groups, say)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.pending is not None:
            (_, message_id), self.pending = self.pending, None
            self.write(message_id)
