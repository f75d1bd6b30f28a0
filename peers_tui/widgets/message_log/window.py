"""LogWindow: which part of a group's history the log holds, and what the reader has seen.

Pure bookkeeping, no Textual: the bounded window of messages (fetched by indexed key around
where the reader is), whether it reaches the oldest or the newest message, how live
messages and late arrivals merge into it, whether the log follows the newest messages (like
`tail -f`) and how many wait unseen below, and up to where the reader has read. The widget
asks it what to fetch and tells it what arrived; it never scrolls or draws.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Literal, Protocol

from peers_tui.core.views import MessageView
from peers_tui.core.value import Value

WINDOW = 100        # messages fetched at a time
FIRST_SCREEN = 1    # newest messages read beyond one per row of the log when it opens (a
#                     message is a row at least): each is read, verified and laid out before
#                     the first frame; the older ones are fetched right after it
MAX_BUFFER = 400    # messages held at most; the far side is dropped beyond this
LOAD_MARGIN = 20    # lines from an edge at which the next window is fetched

Keep = Literal["oldest", "newest"]


class FetchMode(Enum):
    """Which window a fetch reads."""

    RECENT = "recent"   # the newest messages: replaces the window
    OLDEST = "oldest"   # the oldest messages: replaces the window
    AROUND = "around"   # a window centred on one message (a jump): replaces the window
    OLDER = "older"     # the messages before the window: put in front of it
    NEWER = "newer"     # the messages after the window: put behind it

    @property
    def replaces(self) -> bool:
        return self in (FetchMode.RECENT, FetchMode.OLDEST, FetchMode.AROUND)


class HistorySource(Protocol):
    """What the log reads from: a GroupStore (synchronous; called in thread workers only)."""

    def recent(self, limit: int) -> list[MessageView]: ...
    def before(self, message_id: str, limit: int) -> list[MessageView]: ...
    def after(self, message_id: str, limit: int) -> list[MessageView]: ...
    def oldest(self, limit: int) -> list[MessageView]: ...
    def around(self, message_id: str, limit: int) -> list[MessageView]: ...


def fetch(source: HistorySource, mode: FetchMode, anchor: str | None,
          limit: int) -> list[MessageView]:
    """Read one window from `source` (blocking: run it in a thread). `limit` applies to the
    newest window only; the others are a WINDOW each."""
    if mode is FetchMode.RECENT:
        return source.recent(limit)
    if mode is FetchMode.OLDER:
        return source.before(anchor or "", WINDOW)
    if mode is FetchMode.NEWER:
        return source.after(anchor or "", WINDOW)
    if mode is FetchMode.OLDEST:
        return source.oldest(WINDOW)
    return source.around(anchor or "", WINDOW)


def first_window(height: int) -> int:
    """How many of the newest messages fill a log `height` lines high, with a few to spare."""
    return min(WINDOW, height + FIRST_SCREEN) if height else WINDOW


class LiveMerge(Value):  # not a dataclass: compiled at import (core.value)
    """What `LogWindow.merge_live` did: how the widget must lay the log out again."""

    __slots__ = ("appended_from", "changed", "below")
    appended_from: int  # views[appended_from:] are new at the end (if nothing else changed)
    changed: bool  # a message in the window changed, or one went in before the newest
    below: int  # new messages that arrived below what the reader sees

    def __init__(self, appended_from: int, changed: bool, below: int) -> None:
        self.appended_from = appended_from
        self.changed = changed
        self.below = below


class LogWindow:
    """The loaded messages, their edges, following and unseen counts, and the read marker."""

    def __init__(self, on_unseen: Callable[[int], None] | None = None) -> None:
        self.views: list[MessageView] = []
        self.at_oldest = False      # views[0] is the group's oldest message
        self.at_newest = False      # views[-1] is the group's newest message
        self.loaded = False         # a window has been read since the last reset
        self.loading = False        # a fetch is under way
        self.generation = 0         # bumped when the window is replaced: late fetches are stale
        # Live messages merged while a read that replaces the window is under way: that read
        # may have been made before they were stored (see begin_read).
        self._live_during_read: list[MessageView] | None = None
        self.following = True       # the newest messages are kept in view as more arrive
        self.read_marker: str | None = None
        self.me = ""
        self.highlight_id: str | None = None
        self.selected_id: str | None = None  # the message selection mode acts on (None: off)
        self._unseen = 0
        self._on_unseen = on_unseen

    # ----------------------------------------------------------------- state
    @property
    def unseen(self) -> int:
        """How many new messages arrived below the part of the log on screen."""
        return self._unseen

    @unseen.setter
    def unseen(self, count: int) -> None:
        if count != self._unseen:
            self._unseen = count
            if self._on_unseen is not None:
                self._on_unseen(count)

    @property
    def tailing(self) -> bool:
        """The newest messages are loaded and kept in view as more arrive (like `tail -f`)."""
        return self.following and self.at_newest

    @property
    def newest_id(self) -> str | None:
        return self.views[-1].id if self.views else None

    @property
    def selected(self) -> MessageView | None:
        """The selected message, if it is loaded."""
        return next((view for view in self.views if view.id == self.selected_id), None)

    def is_current(self, generation: int) -> bool:
        return generation == self.generation

    def reset(self, read_marker: str | None, me: str) -> None:
        """Another group (or the same again): nothing loaded, following, nothing unseen."""
        self.read_marker, self.me = read_marker, me
        self.views, self.at_oldest, self.at_newest = [], False, False
        self.highlight_id = self.selected_id = None
        self.loaded = False
        self.generation += 1
        self._live_during_read = None
        self.following = True
        self.unseen = 0

    def restart(self) -> None:
        """A jump to an end not loaded: what is in flight now belongs to the old window."""
        self.generation += 1

    def begin_read(self, mode: FetchMode) -> None:
        """A fetch of `mode` starts (its result comes back to `apply_window`).

        One that replaces the window starts a new generation: a replacing read still in
        flight is stale, as is a read that extends the old window. The live messages merged
        while it is under way are kept aside and merged again into what it brings: it reads
        in a thread, and one stored after that read but merged before its result came back
        was lost when the result replaced the window (the live feed had moved past it; the
        read again when the membership moved, MessageLog.membership_is, lost one so)."""
        self.loading = True
        if mode.replaces:
            self.restart()
            self._live_during_read = []

    def catch_up(self) -> None:
        """The reader is at the newest message: follow it, nothing is unseen."""
        self.following = True
        self.unseen = 0

    def reached_bottom(self) -> bool:
        """The view reached its bottom line. True where that caught the reader up (they had
        stopped following, or missed messages): the read marker moves."""
        if not self.at_newest:
            return False
        if self.selected_id is not None and self.views and self.selected_id != self.views[-1].id:
            return False  # the view stays with a selection further back, not with the newest
        caught_up = not self.following or bool(self.unseen)
        self.catch_up()
        return caught_up

    # ----------------------------------------------------------------- windows
    def apply_window(self, mode: FetchMode, views: list[MessageView], focus_id: str | None,
                     limit: int) -> None:
        """A fetch came back: replace the window, or extend it at the side it was read for."""
        self.loading = False
        self.loaded = True
        if mode.replaces:
            self.views = views
            self.at_newest = mode is FetchMode.RECENT or len(views) < WINDOW // 2
            self.at_oldest = (mode is FetchMode.OLDEST
                              or (mode is FetchMode.RECENT and len(views) < limit))
            if mode is FetchMode.AROUND:
                before = sum(1 for v in views if v.id < (focus_id or ""))
                self.at_oldest = before < WINDOW // 2
                self.at_newest = len(views) - before < WINDOW // 2
            if mode is FetchMode.RECENT:
                self.catch_up()
            late, self._live_during_read = self._live_during_read, None
            if late:  # merged again: counted as unseen when they came, not twice
                unseen = self.unseen
                self.merge_live(late, None)
                self.unseen = unseen
            return
        known = {v.id for v in self.views}
        fresh = [v for v in views if v.id not in known]
        if mode is FetchMode.OLDER:
            self.at_oldest = len(views) < WINDOW
            self.views = fresh + self.views
            self.trim(keep="oldest")
        else:
            self.at_newest = len(views) < WINDOW
            self.views = self.views + fresh
            self.trim(keep="newest")

    def trim(self, keep: Keep, slack: int = 0) -> None:
        """Hold MAX_BUFFER messages at most: drop the far side from the end kept (and
        `slack` more, so that the next messages are cheap appends again)."""
        if len(self.views) <= MAX_BUFFER:
            return
        excess = len(self.views) - MAX_BUFFER + slack
        if keep == "oldest":
            self.views = self.views[:MAX_BUFFER]
            self.at_newest = False
        else:
            self.views = self.views[excess:]
            self.at_oldest = False

    def next_fetch(self, near_top: bool, near_bottom: bool) -> tuple[FetchMode, str] | None:
        """The window to read next, if the view is near an edge beyond which more lies."""
        if self.loading or not self.views:
            return None
        if near_top and not self.at_oldest:
            return FetchMode.OLDER, self.views[0].id
        if near_bottom and not self.at_newest:
            return FetchMode.NEWER, self.views[-1].id
        return None

    # ----------------------------------------------------------------- live messages
    def covers(self, message_id: str) -> bool:
        """Whether the loaded window spans this id (a message with it belongs in the window)."""
        if not self.loaded:
            return False
        if self.views and message_id < self.views[0].id and not self.at_oldest:
            return False
        if self.views and message_id > self.views[-1].id and not self.at_newest:
            return False
        return True

    def merge_live(self, views: list[MessageView], last_seen: str | None) -> LiveMerge:
        """Messages another process (or we) just stored, or messages they changed.

        A new message goes in its place by id wherever that falls in the window: one stored
        late (imported, backdated, from another host) may sort before the newest on screen.
        `last_seen` is the id of the last message on screen: what sorts after it is unseen.
        While tailing, the caller lays the new lines out and trims (see `trim`).
        """
        if self._live_during_read is not None:
            self._live_during_read.extend(views)
        index = {view.id: i for i, view in enumerate(self.views)}
        fresh: list[MessageView] = []
        below = 0
        changed = False
        for view in views:
            if view.id in index:
                # The sender gets its own message twice (its echo and its live feed): the
                # same again changes nothing, and costs no layout.
                if self.views[index[view.id]] != view:
                    self.views[index[view.id]] = view
                    changed = True
            elif self.covers(view.id):
                fresh.append(view)
                below += 0 if self.following or (last_seen and view.id < last_seen) else 1
            elif self.views and view.id > self.views[-1].id:
                below += 1  # beyond the window: counted, fetched when the user gets there
            # else: older than the window; it is fetched with its neighbours when scrolled to
        newest = self.views[-1].id if self.views else ""
        appended = len(self.views)
        if any(view.id < newest for view in fresh):
            self.views = sorted(self.views + fresh, key=lambda view: view.id)
            changed = True
        else:
            self.views.extend(sorted(fresh, key=lambda view: view.id))
        if not self.tailing:  # the reader looks back: what came below waits there, counted
            self.trim(keep="oldest")
            self.unseen += below
        return LiveMerge(appended, changed, below)

    # ----------------------------------------------------------------- reading
    def read_up_to(self) -> MessageView | None:
        """While tailing, the message the reader has read up to: the one stored last of those
        loaded (unread is by arrival, not by id). None while they look back."""
        if self.tailing and self.views:
            return max(self.views, key=lambda view: view.rowid)
        return None

    def marker_index(self) -> int | None:
        """Where the "new messages" line goes: above the first message stored after the read
        marker that someone other than `me` wrote. None if it falls outside the window."""
        if not self.read_marker or not self.views or self.views[0].id > self.read_marker:
            return None  # nothing read yet is in the window: no line to draw between
        # The read marker is the message stored last when the user read: what was stored
        # after it is new, whatever its id. Without its position, ids are all there is.
        read = next((view.rowid for view in self.views if view.id == self.read_marker), 0)
        for index, view in enumerate(self.views):
            new = view.rowid > read if read and view.rowid else view.id > self.read_marker
            if new and view.author_id != self.me:
                return index
        return None
