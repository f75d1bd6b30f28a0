"""Outbox: messages the user sent, stored one after another in a single worker thread.

One thread in submission order, so two quick sends are committed in the order typed and a
later send never cancels an earlier one (as an exclusive worker would). `put` hands back an
event set once the message is committed or refused: the app waits for it a moment before it
paints (app.SEND_FIRST_WAIT), so the send does not share the interpreter lock with a paint.

What a send writes after its message (the read marker and the pins in personal.db,
core.message_actions.AfterSend) waits: the message is reported first (the screens of both
users are painting it then, on a machine whose cores they share), and that bookkeeping is
written once a second at most, once per group for a burst of sends, and before the thread
ends.

The message itself is written on the plain path (core.held_send: one IMMEDIATE transaction on
plain sqlite3, the checks of `peers send`) through a connection to the group's file that this
thread keeps between sends (opening one costs as much as the write), and by the full path
whenever the plain one hands it over. That connection is let go when a send goes to another
group, after a minute without sends, and when the thread ends.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from typing import TYPE_CHECKING

from textual.message_pump import MessagePump

from peers_tui.core.errors import PeersError
from peers_tui.messages import MessageSent, SendFailed
from peers_tui.core.value import Value

if TYPE_CHECKING:  # Peewee and the stores load after the first frame (core.start_account)
    from peewee import ConnectionContext

    from peers_tui.core.account import Account
    from peers_tui.core.message_actions import AfterSend
    from peers_tui.core.views import MessageView


class Outgoing(Value):  # not a dataclass: compiled at import (core.value)
    __slots__ = ("group_id", "text", "kind", "reply_to", "stored", "view")
    group_id: str
    text: str
    kind: str
    reply_to: str | None
    stored: threading.Event  # set once the message is committed (or refused)
    view: MessageView | None  # the message as stored: set before `stored` (None if refused)

    def __init__(self, group_id: str, text: str, kind: str, reply_to: str | None = None) -> None:
        self.group_id = group_id
        self.text = text
        self.kind = kind
        self.reply_to = reply_to
        self.stored = threading.Event()
        self.view = None

    def wait(self, timeout: float) -> bool:
        """Whether the message was committed or refused within `timeout` seconds."""
        return self.stored.wait(timeout)


AFTER_SEND_DELAY = 1.0  # seconds: how long a send's bookkeeping may wait (see above)
GROUP_KEEP = 60.0  # seconds without a send after which the group's connection is let go


class Outbox:
    def __init__(self, account: Account) -> None:
        self.account = account
        self.queue: queue.Queue[Outgoing | None] = queue.Queue()
        self.ended = threading.Event()  # run() has returned: all it was given is stored

    def put(self, group_id: str, text: str, kind: str = "text",
            reply_to: str | None = None) -> Outgoing:
        """Queue a message; `wait()` on what is returned tells once it is committed (its
        `view` then set) or refused."""
        item = Outgoing(group_id, text, kind, reply_to)
        self.queue.put(item)
        return item

    def close(self) -> None:
        self.queue.put(None)

    def run(self, report_to: MessagePump) -> None:
        """The worker's body: send until `close()`; report each outcome to `report_to` (the
        chat screen) as a message, which is safe from this thread."""
        from peers_tui.core.held_send import send_held  # after the first frame, as the thread

        held: ConnectionContext | None = None
        group: tuple[str, ConnectionContext] | None = None  # (group id, its held connection)
        waiting: dict[str, AfterSend] = {}  # by group: the last send's bookkeeping
        due = 0.0  # when what waits is written (monotonic)
        try:
            while True:
                try:  # blocks while idle: close() wakes it with None
                    item = self.queue.get(timeout=max(0.0, due - time.monotonic())
                                          if waiting else GROUP_KEEP if group else None)
                except queue.Empty:
                    if waiting:
                        self._write(waiting)
                    else:
                        self._let_go(group)
                        group = None
                    continue
                if item is None:
                    return
                if held is None:  # at the first send: nothing of this competes with start-up
                    held = self._hold_personal()
                group = self._hold_group(item.group_id, group)
                messages = self.account.messages
                try:
                    sent = send_held(messages, item.group_id, item.text, item.kind,
                                     item.reply_to)
                    view, after = sent if sent is not None else messages.send_first(
                        item.group_id, item.text, item.kind, item.reply_to)
                    item.view = view  # before `stored` is set: the loop shows it at once
                except PeersError as exc:
                    report_to.post_message(SendFailed(item.group_id, item.text, str(exc)))
                    continue
                finally:
                    item.stored.set()  # the event loop, waiting for it, paints now
                report_to.post_message(MessageSent(item.group_id, view))
                if not waiting:
                    due = time.monotonic() + AFTER_SEND_DELAY
                waiting[after.group_id] = after
        finally:
            try:
                self._write(waiting)
                self._let_go(group)
                if held is not None:
                    held.__exit__(None, None, None)
            finally:
                self.ended.set()

    @staticmethod
    def _write(waiting: dict[str, AfterSend]) -> None:
        """Write the sends' bookkeeping that waits (and forget it)."""
        for after in waiting.values():
            try:
                after.write()
            except PeersError:
                # The message was sent and shown; the read marker is also written as the log
                # shows it (screens.read_tracker), the pins at the next write to the group.
                pass
        waiting.clear()

    def _hold_personal(self) -> ConnectionContext | None:
        """Keep this thread's connection to personal.db open between sends: every send writes
        there (its read marker, its pins), and closing the last connection to a file
        checkpoints its WAL. (The open group's file is held by its live feed already.) A file
        this process may not write opens as a snapshot (core.database): that is never kept."""
        import peewee  # loaded by the account already: the first send comes after the frame

        db = self.account.personal.db
        held = db.connection_context()
        try:
            held.__enter__()
        except (sqlite3.Error, peewee.PeeweeException, OSError):
            return None  # each send opens its own connection and reports what is wrong
        if db.read_only is not None:
            held.__exit__(None, None, None)
            return None
        return held

    def _hold_group(self, group_id: str, group: tuple[str, ConnectionContext] | None
                    ) -> tuple[str, ConnectionContext] | None:
        """This thread's connection to the file of the group sent to, kept between sends (the
        one kept for another group let go). A file this process may not write opens as a
        snapshot: never kept, as personal.db's."""
        import peewee

        from peers_tui.core.held_send import held_group

        if group is not None:
            if group[0] == group_id:
                return group
            self._let_go(group)
        context = held_group(self.account.messages, group_id)
        if context is None:
            return None
        try:
            context.__enter__()
        except (sqlite3.Error, peewee.PeeweeException, OSError):
            return None  # the send opens its own connection and reports what is wrong
        if context.db.read_only is not None:
            context.__exit__(None, None, None)
            return None
        return group_id, context

    @staticmethod
    def _let_go(group: tuple[str, ConnectionContext] | None) -> None:
        if group is not None:
            group[1].__exit__(None, None, None)
