"""BufferList: the user's groups down the left of the chat screen, as weechat's buflist and
irssi's activity list show them: the Alt+N index, the name as every list shows it, the unread
count and mention mark, the notify level; the open group highlighted, muted ones dim. A click
opens a group.

It reads no group: the chat screen hands it the summaries the app counts anyway
(SummariesUpdated) and the group it shows, so it costs no start-up read of a group and no
timer. Its one setting (shown or hidden, F3) is read with the screen and written in a worker.
Lines are drawn on demand (Line API): of 200 groups only those in view are rendered, and a
line is kept until its group's summary changes: a recount redraws only the rows it changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from textual import events, work
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import Worker

from peers_tui.core.errors import PeersError
from peers_tui.core.text import inert
from peers_tui.core.ui_state import UiState
from peers_tui.core.views import GroupSummary, mark_twins
from peers_tui.messages import OpenGroup
from peers_tui.widgets.alike_lines import alike_lines
from peers_tui.widgets.group_label import buffer_row
from peers_tui.worker_errors import pass_on_failure

if TYPE_CHECKING:
    from collections.abc import Sequence

# Below this many terminal columns the list is hidden: the log needs the room, and the group
# list (Ctrl+G) and the switcher (Ctrl+K) remain. styles/app.tcss and ChatScreen's
# breakpoints say the same.
MIN_TERMINAL_WIDTH = 120
MOST_KEPT_LINES = 1024  # drawn lines kept for reuse (a few screens' worth of 200 groups)


class BufferList(ScrollView, can_focus=False):
    """One line per group, in the user's order. Not focusable: the composer keeps the keys."""

    COMPONENT_CLASSES = {"buffer-list--current"}

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        pass_on_failure(self, event)  # Worker.StateChanged does not bubble: tell the app

    def __init__(self, ui_state: UiState, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ui_state = ui_state
        self.summaries: tuple[GroupSummary, ...] = ()
        self.counted = False  # the rows are the names alone until the first count is shown
        self.current: str | None = None  # the id of the group the chat screen shows
        # (plain, current) styles: rich_style walks the ancestors (0.1 ms), so once per theme.
        self._styles: tuple[Style, Style] | None = None
        self._lines: dict[tuple[GroupSummary, int, bool, int], Strip] = {}
        self._keep_after_layout = False  # a new length waits for the screen's next layout
        try:
            shown = ui_state.buffer_list_shown()  # one row of personal.db's settings
        except PeersError:
            shown = True
        self.set_class(not shown, "-off")

    def show_summaries(self, summaries: tuple[GroupSummary, ...]) -> None:
        """Fresh counts (a no-op when nothing shown changed: recounts come several a second)."""
        self.counted = True
        self._show(summaries)

    def _show(self, summaries: tuple[GroupSummary, ...]) -> None:
        if summaries == self.summaries:
            return
        self.summaries = summaries
        self.virtual_size = Size(self.virtual_size.width, len(summaries))
        # Once laid out: until then the scrollbar is that of the old length and a scroll is
        # refused. Not call_after_refresh: a screen under a dialog is not laid out, yet runs
        # those at once (the open group then stayed out of sight far down a long list).
        self._keep_after_layout = True
        self.refresh()

    def show_listed(self, listed: Sequence[GroupSummary]) -> None:
        """The listed groups by name, before their first count: the first frame draws the
        list (200 groups were counted, ~1 s of CPU, before it showed anything: the outside
        check of issue 16). Their counts, standings and marks come with the first
        SummariesUpdated, which replaces these; after it this does nothing."""
        if not self.counted:
            self._show(mark_twins(tuple(listed)))

    def show_current(self, group_id: str) -> None:
        if group_id == self.current:
            return
        before, after = self._row_of(self.current), self._row_of(group_id)
        self.current = group_id
        top, height = int(self.scroll_y), self.size.height
        if (before is None or after is None or not height
                or not all(top <= row < top + height for row in (before, after))):
            self._keep_current_in_view()
            self.refresh()
            return
        # A switch changes two rows: only those are drawn again (the whole list was, ~2 ms of
        # the switch's frame, figure 1: every row goes through Textual's styles once more).
        self.refresh_line(before)
        self.refresh_line(after)

    def on_mount(self) -> None:
        self.screen.screen_layout_refresh_signal.subscribe(self, self._laid_out, immediate=True)

    def _laid_out(self, _screen: object) -> None:
        if self._keep_after_layout:
            self._keep_after_layout = False
            self._keep_current_in_view()

    def toggle(self) -> None:
        """Show or hide it, and remember that; on a narrow terminal say why it cannot show."""
        if self.app.size.width < MIN_TERMINAL_WIDTH:
            self.app.notify(f"the groups show at the left from {MIN_TERMINAL_WIDTH} columns (this "
                            f"terminal has {self.app.size.width}); Ctrl+G lists them",
                            severity="warning")
            return
        shown = self.has_class("-off")
        self.set_class(not shown, "-off")
        self._remember(shown)

    @work(thread=True, exclusive=True, group="buffer-list-setting", exit_on_error=False)
    def _remember(self, shown: bool) -> None:
        try:
            self.ui_state.set_buffer_list_shown(shown)
        except PeersError as exc:
            self.app.call_from_thread(self.app.notify, inert(f"not remembered: {exc}"),
                                      severity="warning")

    def on_resize(self) -> None:
        self._keep_current_in_view()  # shown again, or taller: the open group stays in sight

    def _keep_current_in_view(self) -> None:
        row = self._row_of(self.current)
        if row is not None and self.size.height:
            if not self.scroll_y <= row < self.scroll_y + self.size.height:
                self.scroll_to(y=max(0, row - self.size.height // 2), animate=False)

    def _row_of(self, group_id: str | None) -> int | None:
        return next((i for i, s in enumerate(self.summaries) if s.id == group_id), None)

    def notify_style_update(self) -> None:
        self._styles, self._lines = None, {}  # the theme or a pseudo-class changed
        super().notify_style_update()

    def render_lines(self, crop: Region) -> list[Strip]:
        if self.summaries:
            return super().render_lines(crop)
        return alike_lines(self.styles, crop, super().render_lines)  # no rows yet: all blank

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if self._styles is None:
            base = self.rich_style
            self._styles = (base, base + self.get_component_rich_style("buffer-list--current"))
        row = int(self.scroll_y) + y
        if not 0 <= row < len(self.summaries) or width <= 0:
            return Strip.blank(width, self._styles[0])
        summary = self.summaries[row]
        key = (summary, row, summary.id == self.current, width)
        line = self._lines.get(key)
        if line is None:
            if len(self._lines) >= MOST_KEPT_LINES:
                self._lines.clear()
            style = self._styles[key[2]]
            text = buffer_row(summary, row + 1, width)
            line = Strip(list(text.render(self.app.console)), text.cell_len)
            line = self._lines[key] = line.apply_style(style).crop_extend(0, width, style)
        return line

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = int(self.scroll_y) + offset.y
        if 0 <= row < len(self.summaries):
            event.stop()
            self.post_message(OpenGroup(self.summaries[row].id))
