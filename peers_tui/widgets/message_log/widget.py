"""MessageLog: the scrolling history of one group, as the chat screen uses it.

It shows a bounded window of the group's messages (a LogWindow), fetched from SQLite by
indexed key in thread workers as the view moves: older history near the top, newer near the
bottom, a fresh window around any message on a jump. Opening a million-message group costs
what opening a ten-message group does, and memory is bounded by MAX_BUFFER, not by history.
This module is what the chat screen uses: the group shown, live messages, what the screen is
told, the keys; the fetching is LogFetching's, the drawing LogLines', the scrolling
LogScrolling's and the selection LogSelecting's.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message

from peers_tui.core.views import MessageView
from peers_tui.widgets.message_log.fetching import LogFetching
from peers_tui.widgets.message_log.window import MAX_BUFFER, WINDOW, FetchMode, HistorySource


class MessageLog(LogFetching, can_focus=True):
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
        under way or still to be looked for (after the frame), or the view, while it follows,
        not yet scrolled to the newest line. Tests (and anything else that must wait for the
        log) wait until this is False."""
        return (not self.window.loaded or self.window.loading or self._look_due
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

    def jump_to(self, message_id: str) -> None:
        """Fetch a window around a message and bring it on screen, highlighted."""
        self.window.highlight_id = message_id
        self.following = False
        self._load(FetchMode.AROUND, message_id)

    def reload(self) -> None:
        """Read the window on screen again (its file was replaced: screens.chat_live)."""
        if self.source is not None:
            self._reload()

    def membership_is(self, group_id: str, mark: object) -> None:
        """The roster read the group's membership: when it moved while this group was shown,
        read the window on screen again. Rows reach the log by the live feed, which sees what
        was added; a cut arriving from the hub makes the relay take its void records out of
        the file (relay/voided.py), and the log kept showing them (a void deletion too)."""
        before, self._membership = self._membership, (group_id, mark)
        if before[0] == group_id and before[1] != mark and self.source is not None and self.loaded:
            self._reload()

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

    # ----------------------------------------------------------------- keys
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
            self._load(FetchMode.OLDEST, None)

    def _newest(self) -> None:
        if self.window.at_newest:
            self.window.catch_up()
            self.scroll_end(animate=False)
            self._report_read()
        else:
            self._load(FetchMode.RECENT, None)
