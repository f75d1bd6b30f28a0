"""LogSelecting: selection mode over the log, the half of MessageLog that moves a highlight
message by message (keys or the mouse) across windows of a long history.

While a message is selected (`selected_id`), Up/Down move it one message, PgUp/PgDn about a
screenful of messages, Home/End to the oldest/newest message of the group; the view scrolls
to keep it in sight, so the windows load as they do for scrolling. A move past the edge of
what is loaded is owed and finished once the next window is in. What is done to the selected
message is the chat screen's (commands/selection_commands.py): the log only says which it is.
"""

from __future__ import annotations

from typing import Literal

from textual import events

from peers_tui.core.views import MessageView
from peers_tui.widgets.message_log.drawing import LogLines
from peers_tui.widgets.message_log.window import FetchMode

Edge = Literal["oldest", "newest"]


class LogSelecting(LogLines):
    """A LogLines whose messages can be selected one at a time."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._selection_owed = 0  # messages a move still owes beyond the loaded window
        self._select_edge: Edge | None = None  # Home/End: select that end once it is loaded

    # ----------------------------------------------------------------- what the subclass does
    def _load(self, mode: FetchMode, anchor: str | None) -> None:
        """Fetch a window (LogFetching does)."""

    def _oldest(self) -> None:
        """Show the group's oldest messages (MessageLog's Home)."""

    def _newest(self) -> None:
        """Show the group's newest messages (MessageLog's End)."""

    # ----------------------------------------------------------------- public API
    @property
    def selecting(self) -> bool:
        return self.window.selected_id is not None

    @property
    def selected_id(self) -> str | None:
        return self.window.selected_id

    @property
    def selected(self) -> MessageView | None:
        """The selected message (None when selection mode is off)."""
        return self.window.selected

    def start_selection(self, message_id: str | None = None) -> bool:
        """Enter selection mode on `message_id` (the newest message loaded when None) and take
        the focus; False when there is no message to select (or that one is not loaded)."""
        if not self.window.views:
            return False
        if message_id is None:
            message_id = self.window.views[-1].id
        elif message_id not in {view.id for view in self.window.views}:
            return False
        self.select(message_id)
        self.focus()
        return True

    def end_selection(self) -> None:
        """Leave selection mode: no highlight."""
        self._selection_owed, self._select_edge = 0, None
        if self.window.selected_id is not None:
            self.window.selected_id = None
            self._relayout(keep_anchor=not self.following)
            if self.scroll_y >= self.max_scroll_y and self.window.reached_bottom():
                self._report_read()  # left at the bottom: follow the newest again

    def select(self, message_id: str | None) -> None:
        """Select this message (loaded, or being jumped to) and bring it into view."""
        self.window.selected_id = message_id
        self._relayout(keep_anchor=not self.following)
        self._reveal_selection()

    def move_selection(self, step: int) -> None:
        """Move the selection `step` messages (negative: older), loading windows as needed."""
        if step < 0:
            self.stop_following()
        from peers_tui.widgets.message_log.selection import step_selection  # selection mode

        window = self.window
        if window.loading and self._selection_owed:
            # A key repeated while the window for the moves owed is still loading: it adds to
            # them (set to its own step, all the keys before it were lost: a held Up stopped
            # short). The window's arrival makes the whole move (_selection_after_window).
            self._selection_owed += step
            return
        move = step_selection(window.views, window.selected_id, step, window.at_oldest,
                              window.at_newest)
        self._selection_owed = move.owed
        if move.selected_id != window.selected_id:
            self.select(move.selected_id)
        if move.owed and not window.loading and window.views:
            wanted = window.next_fetch(near_top=move.owed < 0, near_bottom=move.owed > 0)
            if wanted is not None:
                self._load(*wanted)

    def selection_to(self, edge: Edge) -> None:
        """Home/End while selecting: the group's oldest or newest message."""
        self._selection_owed = 0
        at_edge = self.window.at_oldest if edge == "oldest" else self.window.at_newest
        if at_edge and self.window.views:
            self.select(self.window.views[0 if edge == "oldest" else -1].id)
            return
        self._select_edge = edge
        if edge == "oldest":
            self._oldest()
        else:
            self._newest()

    def messages_on_screen(self) -> int:
        """How many messages have a line in view (what a page of selection moves)."""
        top = int(self.scroll_y)
        owners = self.line_layout.owners[top:top + self.scrollable_content_region.height]
        return max(1, len({owner for owner in owners if owner >= 0}) - 1)

    # ----------------------------------------------------------------- after a window loads
    def _selection_after_window(self, mode: FetchMode) -> None:
        """A window came in: finish a Home/End, or the part of a move that was owed."""
        if not self.selecting:
            return
        if self._select_edge is not None and mode.replaces:
            edge, self._select_edge = self._select_edge, None
            if self.window.views:
                self.select(self.window.views[0 if edge == "oldest" else -1].id)
            return
        if self._selection_owed and not mode.replaces:
            self.move_selection(self._selection_owed)
        elif self.window.selected is not None:
            self._relayout(keep_anchor=not self.following)

    # ----------------------------------------------------------------- scrolling to it
    def _reveal_selection(self) -> None:
        """Scroll so the selected message's lines are all in view (the nearest way)."""
        selected_id = self.window.selected_id
        first = self.line_layout.line_of(selected_id) if selected_id else None
        if first is None:
            return
        owners = self.line_layout.owners
        last = first
        while last + 1 < len(owners) and owners[last + 1] == owners[first]:
            last += 1
        top, height = int(self.scroll_y), max(1, self.scrollable_content_region.height)
        if first <= top:
            self._place(max(0, first - 1))  # with the day rule or "new messages" line above
        elif last >= top + height:
            self._place(min(first, last - height + 1))

    # ----------------------------------------------------------------- the mouse
    def on_click(self, event: events.Click) -> None:
        """A click on a message selects it (and enters selection mode)."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        line = int(self.scroll_y) + offset.y
        owners, laid_out = self.line_layout.owners, self.line_layout.laid_out
        if 0 <= line < len(owners) and 0 <= owners[line] < len(laid_out):
            self.start_selection(laid_out[owners[line]].id)

    # ----------------------------------------------------------------- keys while selecting
    def action_scroll_up(self) -> None:
        if self.selecting:
            self.move_selection(-1)
        else:
            super().action_scroll_up()

    def action_scroll_down(self) -> None:
        if self.selecting:
            self.move_selection(1)
        else:
            super().action_scroll_down()

    def page(self, pages: int) -> None:
        if self.selecting:
            self.move_selection(pages * self.messages_on_screen())
        else:
            super().page(pages)
