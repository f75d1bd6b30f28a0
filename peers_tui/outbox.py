"""Outbox: messages the user sent, stored one after another in a single worker thread.

One thread in submission order, so two quick sends are committed in the order typed and a
later send never cancels an earlier one (as an exclusive worker would).
"""

from __future__ import annotations

import queue
from dataclasses import dataclass

from textual.app import App

from peers_tui.core.account import Account
from peers_tui.core.errors import PeersError
from peers_tui.messages import MessageSent, SendFailed


@dataclass(frozen=True)
class Outgoing:
    group_id: str
    text: str
    kind: str
    reply_to: str | None = None


class Outbox:
    def __init__(self, app: App[None], account: Account) -> None:
        self.app = app
        self.account = account
        self.queue: queue.Queue[Outgoing | None] = queue.Queue()

    def put(self, group_id: str, text: str, kind: str = "text",
            reply_to: str | None = None) -> None:
        self.queue.put(Outgoing(group_id, text, kind, reply_to))

    def close(self) -> None:
        self.queue.put(None)

    def run(self) -> None:
        """The worker's body: send until `close()`; report each outcome as a message."""
        while True:
            item = self.queue.get()  # blocks while idle: close() wakes it with None
            if item is None:
                return
            try:
                view = self.account.send(item.group_id, item.text, item.kind, item.reply_to)
            except PeersError as exc:
                self._post(SendFailed(item.group_id, item.text, str(exc)))
            else:
                self._post(MessageSent(item.group_id, view))

    def _post(self, message: MessageSent | SendFailed) -> None:
        screen = self.app.screen
        screen.post_message(message)
