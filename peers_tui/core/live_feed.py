"""LiveFeed: what other processes committed to the open group since the last look.

The hub watcher's thread reads the feed as soon as the notifier confirms a commit, so a new
message costs one indexed read on a thread that is already awake: no worker to start, no hop
through the event loop before the read. Only the result crosses to the UI, as one message.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from peers_tui.core.file_mark import FileMark
from peers_tui.core.views import MessageView
from peers_tui.core.value import Value

if TYPE_CHECKING:  # the screen makes its feed at the first frame, before Peewee is loaded
    from peewee import ConnectionContext

    from peers_tui.core.group_store import GroupStore


class LiveBatch(Value):  # not a dataclass: compiled at import (core.value)
    __slots__ = ("group_id", "views", "position", "membership", "membership_moved", "history",
                 "replaced", "rewound")
    group_id: str
    views: list[MessageView]
    position: int  # the rowid read up to
    membership: tuple[object, ...]  # GroupStore.membership_mark() after the read
    membership_moved: bool  # the mark differs from the previous read's (or first read)
    history: frozenset[int]  # rowids of views a join received as history (core.joined_history)
    replaced: bool  # the file is not the one read before (core.file_mark): read it all again
    rewound: bool  # ... because the relay took its newest rows out (not another file)

    def __init__(self, group_id: str, views: list[MessageView], position: int,
                 membership: tuple[object, ...], membership_moved: bool,
                 history: frozenset[int] = frozenset(), replaced: bool = False,
                 rewound: bool = False) -> None:
        self.group_id = group_id
        self.views = views
        self.position = position
        self.membership = membership
        self.membership_moved = membership_moved
        self.history = history
        self.replaced = replaced
        self.rewound = rewound


class LiveFeed:
    """A cursor over one group's new rows; safe to read from any thread, one at a time."""

    def __init__(self, store: GroupStore, position: int, mark: FileMark | None = None) -> None:
        self.store = store
        self.group_id = store.group_id
        self.position = position
        self._membership: tuple[object, ...] | None = None  # the mark at the last read
        self._lock = threading.Lock()
        # The reading thread's connection stays open between reads: opening one (and setting
        # its pragmas) cost more than the read itself. Peewee keeps connections per thread.
        self._held: dict[int, ConnectionContext] = {}
        # While a backfill brings a joined group's older pages (core/frontier.py), each page
        # is 1,000 rows older than anything stored before it: history, not news. A screen
        # whose log is not at the top of what was received (where the frontier line is) sets
        # this False and is not sent them: building and verifying their views only for the
        # log to drop them took half of the reader's CPU while the relay wrote.
        self.history_wanted = True
        # The last read found only such a page, skipped, and nothing else new: the hub
        # watcher need not wake the UI thread for it at once (services.hub_watch).
        self.skipped_history = False
        self._oldest: str | None = None  # the oldest message stored up to `position`
        # A file put back or replaced under us numbers its new rows at or below `position`.
        # The screen gives the mark of the file its window was read from, taken before that
        # read (screens.chat_first_read.open_feed): taken here at the first read, on the hub
        # watcher's thread, it was of whatever file lay there by then, and another group's
        # file moved onto the name in between was read on as this group's, with no genesis
        # check (1 run in 13, three at once on 2 cores). Without one, taken at the first read.
        self._mark = mark

    @property
    def mark(self) -> FileMark:
        if self._mark is None:
            self._mark = FileMark(self.store.path)
        return self._mark

    def read(self) -> LiveBatch:
        """Everything stored after the last read (PeersError if the file cannot be read), or
        nothing but `replaced` when the file is not the one read so far: the reader reads the
        group again, and the feed goes on from the new file's newest row."""
        with self._lock:
            if self.mark.moved():
                self.release()  # the connection kept open reads the old file, unlinked
            batch = self._read()
            if batch.replaced:  # the file there may hold another group: checked as at open
                self.release()
                self.store.check_group()
            return batch

    def _read(self) -> LiveBatch:
        with self.store.session():
            thread = threading.get_ident()
            # A file this process may not write is opened `immutable` (see
            # database.files.immutable_reason): a snapshot that never sees later commits.
            # Such a connection is never kept.
            snapshot = self.store.db.read_only is not None
            if thread not in self._held and not snapshot:
                held = self.store.db.connection_context()
                held.__enter__()  # nested in the session's: outlives it, until release()
                self._held[thread] = held
            replaced, newest = self.mark.replaced(self.store.db, self.position)
            self.skipped_history = False
            if replaced:
                self.position, self._oldest = newest, None
                membership = self.store.membership_mark()
                self._membership = membership
                if snapshot:
                    self.release()
                return LiveBatch(self.group_id, [], newest, membership, True, replaced=True,
                                 rewound=self.mark.rewound)
            older_than = self._history_line()
            skipped = (None if self.history_wanted or older_than is None
                       else self._history_only(older_than))
            views, position = ([], skipped[0]) if skipped is not None else self.store.since(
                self.position, older_than=None if self.history_wanted else older_than)
            if older_than is not None and position > self.position:
                # A skipped page's oldest came with the look that skipped it (one pass).
                oldest = (skipped[1] if skipped is not None
                          else self._oldest_between(self.position, position))
                self._oldest = min(older_than, oldest or older_than)
            # Reading new rows checked the roster against the mark already: not twice.
            membership = (self.store.roster_mark if views else None) or self.store.membership_mark()
            self.position = max(self.position, position)
            self.mark.note(self.store.db, self.position)
            moved, self._membership = membership != self._membership, membership
            self.skipped_history = skipped is not None and not moved
            # History rows arrive only while a backfill is under way: no look otherwise (nor
            # its module imported: the screen makes its feed before its first frame).
            history: frozenset[int] = frozenset()
            if views and older_than is not None:
                from peers_tui.core import joined_history
                history = frozenset(joined_history.among(self.store.db, [v.rowid for v in views]))
            if snapshot:
                self.release()
            return LiveBatch(self.group_id, views, self.position, membership, moved, history)

    def _history_line(self) -> str | None:
        """The oldest message stored up to `position` while a backfill is under way, else None."""
        from peers_tui.core import frontier  # (its models: loaded by the store's session)

        if not frontier.active():
            self._oldest = None
            return None
        if self._oldest is None:  # once per backfill: later reads move it along the new rows
            self._oldest = self._oldest_between(None, self.position)
        return self._oldest

    def _history_only(self, older_than: str) -> tuple[int, str | None] | None:
        """The last rowid stored after `position` and the oldest message among those rows,
        when every row there is history this feed is not sent (a message, or a change to one,
        older than `older_than`), else None.

        Skipping such a page through `since` built and dropped 1,000 full rows: a tenth of a
        second of the reader's CPU a page. One statement (one snapshot, one pass over the
        page's rows: a second one for the oldest doubled the cost) decides it; a row with an
        id that is not text is left to `since` to read.
        """
        row = self.store.db.execute_sql(
            "SELECT MAX(rowid), MAX(typeof(m) != 'text' OR m >= ?), MIN(oldest) FROM (SELECT "
            "rowid, COALESCE(NULLIF(target, ''), id) AS m, CASE WHEN target IS NULL THEN id "
            "END AS oldest FROM message WHERE rowid > ?)",
            (older_than, self.position)).fetchone()
        if row is None or row[0] is None or row[1]:
            return None
        return int(row[0]), (str(row[2]) if row[2] is not None else None)

    def _oldest_between(self, after: int | None, upto: int) -> str | None:
        row = self.store.db.execute_sql(
            "SELECT MIN(id) FROM message WHERE target IS NULL AND rowid > ? AND rowid <= ?",
            (-(2 ** 63) if after is None else after, upto)).fetchone()
        return str(row[0]) if row and row[0] is not None else None

    def release(self) -> None:
        """Close the connection the calling thread kept open (call it from that thread)."""
        held = self._held.pop(threading.get_ident(), None)
        if held is not None:
            held.__exit__(None, None, None)
