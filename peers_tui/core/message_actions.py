"""Writing and reading messages, as one user: send, edit, delete, topic, search, the log, live
following, import and export; read markers move as messages are read (by arrival).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, TextIO

from peers_tui.core.errors import PeersError
from peers_tui.core.group_store import GroupStore
from peers_tui.core.membership_order import HeldForHub, OutOrdered, kept_change
from peers_tui.core.personal_store import GroupEntry
from peers_tui.core.pins import membership_problems, remember
from peers_tui.core.text import without_blank_edges
from peers_tui.core.user_context import UserContext
from peers_tui.core.views import MessageView, Problem

if TYPE_CHECKING:
    from peers_tui.core.transfer import ImportResult


FOLLOW_REMEMBERS = 1000  # ids `follow` keeps of what it printed, to read a replaced file again


class MessageActions:
    """One user's message actions across their groups."""

    def __init__(self, me: UserContext) -> None:
        self.me = me

    def send(self, query: str, text: str, kind: str = "text",
             reply_to: str | None = None) -> MessageView:
        # One connection to each file for the whole send (the steps below nest theirs in it):
        # a send opened ~13, each setting its pragmas, and the close of the last connection to
        # a file checkpoints its WAL.
        with self.me.personal.session():
            entry, store = self.me.group_store(query)
            with store.session():
                view = self._post(store, text, kind, reply_to)
                AfterSend(self, entry, store, view.id).write()
        return view

    def send_first(self, query: str, text: str, kind: str = "text",
                   reply_to: str | None = None) -> tuple[MessageView, AfterSend]:
        """`send`, but what follows the message in personal.db (the read marker, the pins:
        `AfterSend`) is left to the caller: the TUI shows the message first, and writes
        that bookkeeping once for a burst of sends."""
        with self.me.personal.session():
            entry, store = self.me.group_store(query)
            with store.session():
                view = self._post(store, text, kind, reply_to)
        return view, AfterSend(self, entry, store, view.id)

    def _post(self, store: GroupStore, text: str, kind: str,
              reply_to: str | None) -> MessageView:
        self._sync_handle(store)
        return store.post(self.me.keypair, without_blank_edges(text), kind, reply_to)

    def _sync_handle(self, store: GroupStore) -> None:
        """Sign a handle change into the group when ours changed since we last wrote there."""
        roster = store.current_roster()  # the write replays anyway
        member = roster.active(self.me.user_id)
        if member is not None and member.handle != self.me.handle:
            from peers_tui.core.lean_post import handle_waits  # rare: not at start-up

            if handle_waits(lambda group_id, author: kept_change(store.path, group_id, author),
                            roster, store.group_id, self.me.user_id, self.me.handle):
                return  # signed already and kept for the hub: not signed (and kept) again
            try:
                store.set_handle(self.me.keypair, self.me.handle)
            except (HeldForHub, OutOrdered):
                pass  # a federation's hub orders it later (core.membership_order): send now

    def edit(self, query: str, message: str, text: str) -> MessageView:
        entry, store = self.me.group_store(query)
        view = store.edit(self.me.keypair, message, without_blank_edges(text))
        self.me.pins.after_write(entry, store)
        return view

    def delete(self, query: str, message: str) -> MessageView:
        entry, store = self.me.group_store(query)
        view = store.delete(self.me.keypair, message)
        self.me.pins.after_write(entry, store)
        return view

    def set_topic(self, query: str, topic: str) -> MessageView:
        entry, store = self.me.group_store(query, shared=True)
        view = store.set_topic(self.me.keypair, topic)
        self.me.pins.after_write(entry, store)
        return view

    def topic(self, query: str) -> str | None:
        _, store = self.me.group_store(query)
        return store.topic()

    def search(self, query: str, text: str, limit: int = 50, offset: int = 0) -> list[MessageView]:
        if limit < 1:
            raise PeersError("--limit must be at least 1")
        _, store = self.me.group_store(query)
        return store.search(text, limit, offset)

    # Import and export pull in multiprocessing and friends: loaded only when used, so that
    # `peers send` and the TUI start without them.
    def import_history(self, query: str, lines: Iterable[str]) -> ImportResult:
        from peers_tui.core.transfer import Importer

        entry, store = self.me.group_store(query, shared=True)
        result = Importer(store, self.me.keypair).run(lines)
        self.me.pins.after_write(entry, store)  # as every write: the next builds on it
        return result

    def export_history(self, query: str, out: TextIO) -> int:
        from peers_tui.core.export import write_jsonl

        _, store = self.me.group_store(query)
        return write_jsonl(store, out)

    def export_views(self, query: str) -> Iterator[MessageView]:
        from peers_tui.core.export import export_views

        _, store = self.me.group_store(query)
        return export_views(store)

    def follow(self, query: str, timeout: float | None = None, shown: Iterable[str] = (),
               replaced: Callable[[str], None] | None = None) -> Iterator[list[MessageView]]:
        """Yield batches of messages as other processes commit them (until `timeout` idles).

        `shown`: the ids printed before (the log above). A file put back to an older copy or
        replaced under the follower (core.file_mark) is read again from the oldest of the
        latest ids printed that it still holds, and what was not printed yet is yielded;
        `replaced(group name)` is called first."""
        from peers_tui.core.file_mark import FileMark, reread_from
        from peers_tui.core.notifier import ChangeNotifier

        entry, store = self.me.group_store(query)
        notifier = ChangeNotifier()
        notifier.watch(entry.id, store.path)
        mark = FileMark(store.path)
        # ... of the group's file: one moved onto the name since the store was opened and
        # checked (the log above was read) is named now, not followed unchecked
        store.check_group()
        latest = deque(shown, maxlen=FOLLOW_REMEMBERS)  # printed lately, in order
        position = store.last_rowid()
        with store.session():  # on from the newest printed: a row stored since the log's
            printed_top = reread_from(store.db, list(latest), newest=True)  # read is read
        behind = printed_top is not None and printed_top < position  # (before the watch)
        position = printed_top if behind and printed_top is not None else position
        try:
            while True:
                if not behind and not notifier.wait(timeout):
                    if timeout is not None:
                        return
                    continue
                with store.session():
                    moved, newest = mark.replaced(store.db, position)
                if moved:  # another group's file under the name ends the follow in one line
                    store.check_group()
                with store.session():
                    if moved:
                        if replaced is not None and not mark.rewound:  # (the relay's: no word)
                            replaced(entry.name)
                        anchor = reread_from(store.db, list(latest))
                        position = newest if anchor is None else anchor
                    views: list[MessageView] = []
                    while True:  # after a replacement, maybe more than one page
                        page, position = store.since(position)
                        views += page
                        if not moved or not page:
                            break
                    mark.note(store.db, position)
                if moved or behind:
                    printed = set(latest)
                    views = [v for v in views if v.id not in printed]
                behind = False
                if views:
                    latest.extend(v.id for v in views)
                    self.read_up_to(entry, store, max(views, key=lambda v: v.rowid).id)
                    yield views
        finally:
            notifier.close()

    def log(self, query: str, limit: int = 50, mark_read: bool = True) -> tuple[list[MessageView], list[Problem]]:
        """The last `limit` messages, verified, plus anything that shows history was cut."""
        if limit < 1:
            raise PeersError("--limit must be at least 1")
        entry, store = self.me.group_store(query)
        problems = self.me.pins.problems(entry, store)
        # The membership state the read is judged under, taken before it: a relay may apply
        # a change meanwhile, and pinning that later head for records verified under the
        # earlier one would make a cut's void records look pinned after the cut.
        roster = store.current_roster()
        messages = store.recent(limit)
        if not problems:  # forged records elsewhere do not matter: only verified heads are pinned
            self.me.pins.after_read(entry, store, messages, roster)
        problems += membership_problems(store.current_roster())
        if mark_read and messages:
            self.read_up_to(entry, store, max(messages, key=lambda v: v.rowid).id)
        return messages, problems

    def read_up_to(self, entry: GroupEntry, store: GroupStore, message_id: str) -> None:
        """Move the read marker to `message_id` if it was stored after the marker: unread is
        by arrival, so a message stored late with an older id still counts as new."""
        def write() -> None:
            current = self.me.personal.group(entry.id)
            marker = current.read_marker if current is not None else None
            if marker is None or store.arrival(message_id) > store.arrival(marker):
                self.me.personal.replace_read_marker(entry.id, marker, message_id)
        remember(write)


class AfterSend:
    """What a send writes to personal.db after its message: the read marker moves to it (our
    own message is read), and the pins move to the group's heads (a file put back to before
    it shows). Written again later, the same holds: the marker only moves forward (by
    arrival) and the pins are read from the file as it is then, so of a burst of sends to one
    group the last one's write stands for them all."""

    __slots__ = ("actions", "entry", "store", "message_id")

    def __init__(self, actions: MessageActions, entry: GroupEntry, store: GroupStore,
                 message_id: str) -> None:
        self.actions, self.entry, self.store = actions, entry, store
        self.message_id = message_id

    @property
    def group_id(self) -> str:
        return self.entry.id

    def write(self) -> None:
        with self.actions.me.personal.session(), self.store.session():
            self.actions.read_up_to(self.entry, self.store, self.message_id)
            self.actions.me.pins.after_write(self.entry, self.store)
