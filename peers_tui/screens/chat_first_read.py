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
from peers_tui.core.file_mark import FileMark
from peers_tui.core.live_feed import LiveFeed
from peers_tui.core.lean_window import newest_window
from peers_tui.core.start_account import LaterStore
from peers_tui.core.verified_keep import window_read
from peers_tui.core.views import member_views

if TYPE_CHECKING:
    from collections.abc import Iterable

    from peers_tui.core.group_store import GroupStore
    from peers_tui.core.group_entry import GroupEntry
    from peers_tui.core.roster import Member
    from peers_tui.core.views import MemberView, MessageView
    from peers_tui.core.presence import Presence
    from peers_tui.widgets import RosterPanel

People = frozenset[tuple[str, str]]


def open_feed(store: GroupStore, entry: GroupEntry, limit: int, first: bool
              ) -> tuple[LiveFeed, list[MessageView] | None, People, list[MemberView] | None]:
    """`read_newest`, and the live feed that goes on after its rowid, marked with the file
    the window was read from (core.file_mark): its inode taken before the read, by its path
    as the Groups table gives it (the store's would open the whole account at the first
    frame: start_account.LaterStore). A file moved onto the name after that stat is one the
    feed's first read finds replaced, and checks as at open."""
    mark = FileMark(entry.db_file)
    position, newest, people, members = read_newest(store, entry, limit, first)
    return LiveFeed(store, position, mark), newest, people, members


def read_newest(store: GroupStore, entry: GroupEntry, limit: int,
                first: bool) -> tuple[int, list[MessageView] | None, People,
                                      list[MemberView] | None]:
    """(the rowid live updates start after, the newest `limit` views or None when they cannot
    be read (the log's worker tries again and says why), (user id, handle) of the roster).

    The rowid is read before the window (the lean read: in the window's snapshot), so a
    message committed meanwhile shows up twice at worst (the log keeps one), never not at all.
    The roster is the one the window was judged by: look-alike names get fingerprints in the
    very first frame, not once the roster worker is back. The signatures it finds valid are
    kept for the next start before any other (core.verified_keep.window_read).

    The members, for the roster panel's first frame: the lean read's roster (every change and
    invite verified, or there is no lean read), where it still holds the membership change
    this user verified last (the pin `read_roster`'s history check compares); else None,
    and the panel waits for the roster worker, which says what is wrong."""
    return window_read(lambda: _read_newest(store, entry, limit, first))


def _read_newest(store: GroupStore, entry: GroupEntry, limit: int, first: bool
                 ) -> tuple[int, list[MessageView] | None, People, list[MemberView] | None]:
    # The connection the store's genesis check opened, read on rather than opened again.
    opened = store.take_connection() if first and isinstance(store, LaterStore) else None
    lean = newest_window(entry.db_file, entry.id, limit, opened) if first else None
    if lean is not None:
        roster = lean.roster
        pinned = entry.member_head_seq and entry.member_head_hash
        holds = not pinned or roster.chain.get(entry.member_head_seq) == entry.member_head_hash
        return (lean.last_rowid, lean.views, _people(roster.members.values()),
                member_views(roster.members.values()) if holds else None)
    try:
        position = store.last_rowid()  # one indexed lookup, under a millisecond
    except PeersError:
        position = 0
    try:
        newest = store.recent(limit)
        return (position, newest, _people(store.current_roster().members.values()),  # memoized
                None)
    except PeersError:
        return position, None, frozenset(), None


def _people(members: Iterable[Member]) -> People:
    return frozenset((m.user_id, m.handle) for m in members)


def show_first_roster(panel: RosterPanel, members: list[MemberView] | None, people: People,
                      presence: Presence, user_id: str) -> None:
    """The roster panel in the first frame, from `read_newest`'s members: who is here by the
    same lock test the roster worker makes, and the user (this app, which announces itself
    after the frame); the hosts (a relay's) and the rest come with the worker's read."""
    if members is not None:
        panel.people = people
        panel.show(members, presence.present([m.user_id for m in members]) | {user_id})
