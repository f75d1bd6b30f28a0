"""What other processes committed to the open group, read on the hub watcher's thread and
handed to the chat screen as one message."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from textual.message import Message

from peers_tui.core.errors import PeersError
from peers_tui.core.text import inert

if TYPE_CHECKING:
    from peers_tui.core.live_feed import LiveBatch, LiveFeed
    from peers_tui.widgets import MessageLog


class LiveLoaded(Message):
    def __init__(self, batch: LiveBatch) -> None:
        super().__init__()
        self.batch = batch


class LiveFailed(Message):
    def __init__(self, group_id: str, reason: str) -> None:
        super().__init__()
        self.group_id, self.reason = group_id, reason


def read_live(feed: LiveFeed) -> LiveLoaded | LiveFailed | None:
    """The feed's new rows, or why it could not be read; None when nothing changed (no new
    message, the membership as at the feed's last read). Runs on the hub watcher's thread, so
    it reads nothing of the screen: the screen compares the membership with its roster."""
    try:
        batch = feed.read()
    except PeersError as exc:
        return LiveFailed(feed.group_id, str(exc))
    if batch.views or batch.membership_moved:
        return LiveLoaded(batch)
    return None


class Reloading(Protocol):  # the chat screen (not imported: it imports this module)
    message_log: MessageLog
    label: str

    def refresh_roster(self) -> None: ...

    def notify(self, message: str) -> None: ...


def reload_replaced(chat: Reloading, rewound: bool = False) -> None:
    """The open group's file is not the one the log was read from (put back to an older copy,
    or another file moved onto its name: core.file_mark): its rows have other rowids, and the
    live feed, which reads those after the last it read, would miss some. The log reads its
    window again (at the message on screen when it is still there, else the newest), and the
    roster too; the feed goes on from the new file's newest row. `rewound`: the relay took the
    newest rows out (a void record, a fork half: core.file_mark), read again the same way but
    with no word of a replacement, which there was none."""
    chat.message_log.reload()
    chat.refresh_roster()
    if not rewound:
        chat.notify(inert(f"{chat.label}'s file was replaced: history reloaded"))
