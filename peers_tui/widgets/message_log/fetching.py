"""LogFetching: the loading half of the message log, the part of MessageLog that reads windows
of the group's history from SQLite in thread workers as the view moves.

The newest window when a group is shown (unless the caller read it already), older history
near the top, newer near the bottom, a fresh window around a message on a jump, the same
window again when the membership moved; each read in a worker and applied on the UI thread
when its message comes back, if the log still shows what it was read for (the window's
generation). With the window that reaches the top comes the note of history not yet
received (`frontier_note`): the line above the oldest message received while a joined group's
history still arrives newest first (core/frontier.py), "earlier history not yet received (N of
M)" instead of the top of the history, so that nothing reads as missing or deleted. What the
chat screen is told is MessageLog's (widget.py).
"""

from __future__ import annotations

from typing import cast

from textual import on, work
from textual.message import Message

from peers_tui.core.errors import PeersError
from peers_tui.core.text import inert
from peers_tui.core.views import MessageView
from peers_tui.widgets.message_log.selecting import LogSelecting
from peers_tui.widgets.message_log.window import (
    LOAD_MARGIN, WINDOW, FetchMode, HistorySource, fetch, first_window,
)


def frontier_note(source: object) -> str | None:
    """The frontier line's text for the group `source` shows, or None when its history is
    complete. Read in the log's fetch thread (and after live batches while a backfill runs)."""
    if not hasattr(source, "session"):
        return None
    from peers_tui.core.frontier import Sessions, of  # the models: a store's are loaded
    try:
        state = of(cast(Sessions, source))
    except PeersError:
        return None
    return state.note.strip("— ") if state is not None else None


class LogFetching(LogSelecting):
    """A LogSelecting whose windows are read in thread workers."""

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


    def first_window(self) -> int:
        """How many of the newest messages fill the log, with a few to spare."""
        # Before the log's first layout (the app starting) its size is not known, and asking
        # for it makes the compositor arrange the whole screen only to say so: the app's then.
        height = self.size.height if self.line_layout.width else 0
        return first_window(height or max(0, self.app.size.height - 4))

    def _reload(self) -> None:
        anchor = None if self.window.tailing else self.line_layout.anchor(int(self.scroll_y))
        if anchor is None or not anchor[0]:
            self._load(FetchMode.RECENT, None)
        else:
            self._load(FetchMode.AROUND, anchor[0])

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
        self.window.begin_read(mode)  # a new generation if it replaces the window
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
            self._look_after_refresh()
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
        if self.window.tailing and self.scroll_y < self.max_scroll_y:
            return  # the newest are about to be scrolled into view: load what is near there
        wanted = self.window.next_fetch(near_top=self.scroll_y < LOAD_MARGIN,
                                        near_bottom=self.scroll_y > self.max_scroll_y - LOAD_MARGIN)
        if wanted is not None:
            self._load(*wanted)
