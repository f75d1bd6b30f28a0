"""What the chat screen reads to show a group: where live updates start, the newest window and
the people in it, on the event loop (~10 ms of indexed reads that a worker took 25-40 ms to
finish while the loop painted beside it: they share one interpreter lock). Scrolling back
still loads in workers.

The screen's first group is read on plain sqlite3 and judged by the same rules
(core.lean_window: ~6 ms of CPU less than the models' read of a 1,000,000-message group in a
fresh process, of a start measured against a bare Textual app, issue 16); a file that path
does not read, and every later switch (the models' caches warm by then), the full way."""

from __future__ import annotations

from typing import TYPE_CHECKING

from peers_tui.core.errors import PeersError
from peers_tui.core.lean_window import newest_window
from peers_tui.core.start_account import LaterStore
from peers_tui.core.verified_keep import window_read

if TYPE_CHECKING:
    from collections.abc import Iterable

    from peers_tui.core.group_store import GroupStore
    from peers_tui.core.group_entry import GroupEntry
    from peers_tui.core.roster import Member
    from peers_tui.core.views import MessageView

People = frozenset[tuple[str, str]]


def read_newest(store: GroupStore, entry: GroupEntry, limit: int,
                first: bool) -> tuple[int, list[MessageView] | None, People]:
    """(the rowid live updates start after, the newest `limit` views or None when they cannot
    be read (the log's worker tries again and says why), (user id, handle) of the roster).

    The rowid is read before the window (the lean read: in the window's snapshot), so a
    message committed meanwhile shows up twice at worst (the log keeps one), never not at all.
    The roster is the one the window was judged by: look-alike names get fingerprints in the
    very first frame, not once the roster worker is back. The signatures it finds valid are
    kept for the next start before any other (core.verified_keep.window_read)."""
    return window_read(lambda: _read_newest(store, entry, limit, first))


def _read_newest(store: GroupStore, entry: GroupEntry, limit: int,
                 first: bool) -> tuple[int, list[MessageView] | None, People]:
    # The connection the store's genesis check opened, read on rather than opened again.
    opened = store.take_connection() if first and isinstance(store, LaterStore) else None
    lean = newest_window(entry.db_file, entry.id, limit, opened) if first else None
    if lean is not None:
        return lean.last_rowid, lean.views, _people(lean.roster.members.values())
    try:
        position = store.last_rowid()  # one indexed lookup, under a millisecond
    except PeersError:
        position = 0
    try:
        newest = store.recent(limit)
        return position, newest, _people(store.current_roster().members.values())  # memoized
    except PeersError:
        return position, None, frozenset()


def _people(members: Iterable[Member]) -> People:
    return frozenset((m.user_id, m.handle) for m in members)
