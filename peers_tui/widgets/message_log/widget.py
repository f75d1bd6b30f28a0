"""MessageLog: the scrolling history of one group, as the chat screen uses it.

It shows a bounded window of the group's messages (a LogWindow), fetched from SQLite by
indexed key in thread workers as the view moves: older history near the top, newer near the
bottom, a fresh window around any message on a jump. Opening a million-message group costs
what opening a ten-message group does, and memory is bounded by MAX_BUFFER, not by history.
This module is the loading half (workers, live messages, what the screen is told); the
drawing is LogLines', the scrolling LogScrolling's and the selection LogSelecting's.
"""

from __future__ import annotations

from textual import on, work
from textual.binding import Binding
from textual.message import Message

from peers_tui.core.errors import PeersError
from peers_tui.core.text import inert
from peers_tui.core.views import MessageView
from peers_tui.widgets.message_log.frontier import frontier_note
from peers_tui.widgets.message_log.selecting import LogSelecting
from peers_tui.widgets.message_log.window import (
    LOAD_MARGIN, MAX_BUFFER, WINDOW, FetchMode, HistorySource, fetch, first_window,
)


class MessageLog(LogSelecting, can_focus=True):
    """The scrolling history of one group."""

    BINDINGS = [
        Binding("home", "oldest", "Oldest", show=False),
        Binding("end", "newest", "Newest", show=False),
        Binding("up", "scroll_up", show=False),
        Binding("down", "scroll_down", show=False),
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
    ]

    # Plain classes: a dataclass compiles its methods at import, which every start paid.
    class WindowLoaded(Message):
        def __init__(self, generation: int, mode: FetchMode, views: list[MessageView],
                     focus_id: str | None = None, limit: int = WINDOW,
                     frontier: str | None = None) -> None:
            super().__init__()
            self.generation, self.mode, self.views = generation, mode, views
            self.focus_id, self.limit = focus_id, limit
            self.frontier = frontier  # the history not yet received (frontier.py)

    class LoadFailed(Message):
        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    class UnseenChanged(Message):
        """How many new messages arrived below the part of the log on screen."""

        def __init__(self, log: MessageLog, count: int) -> None:
            super().__init__()
            self.log, self.count = log, count

    class ReadUpTo(Message):
        """The newest message is on screen, the log following it: read up to here (the
        message stored last of those loaded: unread is by arrival, not by id)."""

        def __init__(self, log: MessageLog, message_id: str, rowid: int = 0) -> None:
            super().__init__()
            self.log, self.message_id, self.rowid = log, message_id, rowid

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.source: HistorySource | None = None
        self._membership: tuple[str, object] = ("", None)  # (group, mark) the roster read last

    # ----------------------------------------------------------------- public API
    @property
    def views(self) -> list[MessageView]:
        """The messages loaded, oldest first."""
        return self.window.views

    @property
    def at_oldest(self) -> bool:
        """The group's oldest message is loaded."""
        return self.window.at_oldest

    @property
    def at_newest(self) -> bool:
        """The group's newest message is loaded."""
        return self.window.at_newest

    @property
    def tailing(self) -> bool:
        """The newest messages are loaded and kept in view as more arrive (like `tail -f`)."""
        return self.window.tailing

    @property
    def newest_id(self) -> str | None:
        return self.window.newest_id

    @property
    def unseen(self) -> int:
        return self.window.unseen

    @property
    def highlight_id(self) -> str | None:
        return self.window.highlight_id

    @property
    def loaded(self) -> bool:
        """A window of the group shown has been read (it may hold no message)."""
        return self.window.loaded

    @property
    def busy(self) -> bool:
        """Whether the log is still settling: the group's first window not read yet, a fetch
        under way, or the view, while it follows, not yet scrolled to the newest line. Tests
        (and anything else that must wait for the log) wait until this is False."""
        return (not self.window.loaded or self.window.loading
                or (self.following and self.scroll_y != self.max_scroll_y))

    def show(self, source: HistorySource, read_marker: str | None, me: str = "",
             newest: list[MessageView] | None = None,
             people: frozenset[tuple[str, str]] = frozenset()) -> None:
        """Point the log at a group: drop what it held and fetch the newest window.

        The "new messages" line goes above the first message after `read_marker` that
        someone other than `me` wrote. `newest`, when the caller already read it (the
        `first_window()` newest messages), is shown at once instead of fetched.
        """
        self.source = source
        self.people = people
        self.window.reset(read_marker, me)  # the render cache stays: switching back finds its lines
        self.frontier_note = None
        if newest is not None:
            if len(newest) < self.first_window():  # the top is on screen: is more coming?
                self._read_frontier(source, self.window.generation)
            self._apply_window(FetchMode.RECENT, newest, None, self.first_window())
            return
        self._relayout()
        self._load(FetchMode.RECENT, None)

    def first_window(self) -> int:
        """How many of the newest messages fill the log, with a few to spare."""
        # Before the log's first layout (the app starting) its size is not known, and asking
        # for it makes the compositor arrange the whole screen only to say so: the app's then.
        height = self.size.height if self.line_layout.width else 0
        return first_window(height or max(0, self.app.size.height - 4))

    def jump_to(self, message_id: str) -> None:
        """Fetch a window around a message and bring it on screen, highlighted."""
        self.window.highlight_id = message_id
        self.following = False
        self._load(FetchMode.AROUND, message_id)

    def membership_is(self, group_id: str, mark: object) -> None:
        """The roster read the group's membership: when it moved while this group was shown,
        read the window on screen again. Rows reach the log by the live feed, which sees what
        was added; a cut arriving from the hub makes the relay take its void records out of
        the file (relay/voided.py), and the log kept showing them (a void deletion too)."""
        before, self._membership = self._membership, (group_id, mark)
        if before[0] == group_id and before[1] != mark and self.source is not None and self.loaded:
            self._reload()

    def _reload(self) -> None:
        anchor = None if self.tailing else self.line_layout.anchor(int(self.scroll_y))
        if anchor is None or not anchor[0]:
            self._load(FetchMode.RECENT, None)
        else:
            self._load(FetchMode.AROUND, anchor[0])

    def apply_live(self, views: list[MessageView]) -> None:
        """Messages another process (or we) just stored, or messages they changed: each in
        its place by id (see LogWindow.merge_live); kept in view while the log follows."""
        if not views:
            return
        if self.frontier_note is not None and self.source is not None:  # a backfill's page
            self._read_frontier(self.source, self.window.generation)
        bottom = int(self.scroll_y) + self.scrollable_content_region.height
        merge = self.window.merge_live(views, self.line_layout.last_id_above(bottom))
        if not merge.changed and merge.appended_from == len(self.views):
            if self.tailing and self.scroll_y < self.max_scroll_y:
                self._scroll_end_soon()  # the echo of a send made while looking back
            return  # all of them laid out already, as they are (the sender's echo, say)
        if self.tailing:
            if (merge.changed or len(self.views) > MAX_BUFFER
                    or not self._append(merge.appended_from)):
                # Trim a window more than needed, so the next messages are cheap appends again.
                self.window.trim(keep="newest", slack=WINDOW)
                self._relayout()
                self._scroll_end_soon()
            self._report_read()
        else:
            self._relayout(keep_anchor=True)

    def _report_read(self) -> None:
        last = self.window.read_up_to()
        if last is not None:
            self.post_message(self.ReadUpTo(self, last.id, last.rowid))

    def _unseen_changed(self, count: int) -> None:
        self.post_message(self.UnseenChanged(self, count))

    def on_mount(self) -> None:
        self._unseen_changed(self.window.unseen)  # the screen's bar starts from the log's count

    # ----------------------------------------------------------------- loading
    @work(thread=True, exclusive=True, group="log-window", exit_on_error=False)
    def _fetch(self, source: HistorySource, generation: int, mode: FetchMode, anchor: str | None,
               limit: int) -> None:
        """Read a window in a thread; the result (or the failure) comes back as a message."""
        try:
            views = fetch(source, mode, anchor, limit)
        except PeersError as exc:
            self.post_message(self.LoadFailed(str(exc)))
            return
        except Exception as exc:  # a bug, not a bad file: still the user must hear of it
            self.post_message(self.LoadFailed(f"unexpected error: {type(exc).__name__}: {exc}"))
            return
        # Only a window that reaches the top asks (a complete file answers at once).
        top = mode is FetchMode.OLDEST or (mode is not FetchMode.NEWER and len(views) < limit)
        self.post_message(self.WindowLoaded(generation, mode, views, anchor, limit,
                                            frontier_note(source) if top else None))

    @work(thread=True, exclusive=True, group="log-frontier", exit_on_error=False)
    def _read_frontier(self, source: HistorySource, generation: int) -> None:
        """The frontier line's text, read in a thread (a backfill's page came, or the group
        shown fits on screen); laid out when it changed."""
        note = frontier_note(source)
        self.app.call_from_thread(self._set_frontier, generation, note)

    def _set_frontier(self, generation: int, note: str | None) -> None:
        if self.window.is_current(generation) and note != self.frontier_note:
            self.frontier_note = note
            self._relayout(keep_anchor=not self.following)

    def _load(self, mode: FetchMode, anchor: str | None) -> None:
        if self.source is None:
            return
        self.window.loading = True
        # The newest: enough to fill the screen, so it shows sooner; the scrollback is fetched
        # right after (the view starts near the top edge of what is loaded).
        limit = self.first_window() if mode is FetchMode.RECENT else WINDOW
        self._fetch(self.source, self.window.generation, mode, anchor, limit)

    @on(WindowLoaded)
    def _window_loaded(self, event: WindowLoaded) -> None:
        event.stop()
        if self.window.is_current(event.generation):
            if event.mode.replaces or event.frontier is not None:
                self.frontier_note = event.frontier
            self._apply_window(event.mode, event.views, event.focus_id, event.limit)

    def _apply_window(self, mode: FetchMode, views: list[MessageView], focus_id: str | None,
                      limit: int) -> None:
        self.window.apply_window(mode, views, focus_id, limit)
        if not mode.replaces:
            self._relayout(keep_anchor=True)
            if self._owed:
                self._move_to(self.scroll_y)
            self.call_after_refresh(self._maybe_load)
            self._selection_after_window(mode)
            return
        self._owed = 0
        self._relayout()
        if mode is FetchMode.RECENT:
            self._scroll_end_soon()
            self._report_read()
        elif mode is FetchMode.OLDEST:
            self._scroll_soon(0)
        elif focus_id is not None:
            line = self.line_layout.line_from(focus_id)
            if line is not None:
                self._scroll_soon(max(0, line - self.size.height // 3))
        self._selection_after_window(mode)

    @on(LoadFailed)
    def _load_failed(self, event: LoadFailed) -> None:
        event.stop()
        self.window.loading = False
        self.notify(inert(event.reason), title="Could not read the group", severity="error")

    def _maybe_load(self) -> None:
        if self.source is None:
            return
        if self.tailing and self.scroll_y < self.max_scroll_y:
            return  # the newest are about to be scrolled into view: load what is near there
        wanted = self.window.next_fetch(near_top=self.scroll_y < LOAD_MARGIN,
                                        near_bottom=self.scroll_y > self.max_scroll_y - LOAD_MARGIN)
        if wanted is not None:
            self._load(*wanted)

    def action_oldest(self) -> None:
        if self.selecting:
            self.selection_to("oldest")
        else:
            self._oldest()

    def action_newest(self) -> None:
        if self.selecting:
            self.selection_to("newest")
        else:
            self._newest()

    def _oldest(self) -> None:
        self.stop_following()
        if self.window.at_oldest:
            self.scroll_home(animate=False)
        else:
            self.window.restart()
            self._load(FetchMode.OLDEST, None)

    def _newest(self) -> None:
        if self.window.at_newest:
            self.window.catch_up()
            self.scroll_end(animate=False)
            self._report_read()
        else:
            self.window.restart()
            self._load(FetchMode.RECENT, None)
