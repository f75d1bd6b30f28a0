"""LogScrolling: a ScrollView that follows its bottom line and pages by whole screens over
a window of history that is still being fetched.

Textual's own scrolling assumes the content is all there; a log of windows fetched as the
view moves needs otherwise: a page key moves a full screen at once even beyond what is
loaded (the rest is owed until the next window is in), a scroll the user made wins over
one a stale layout asked for, and reaching the bottom resumes following the newest
messages while only the user's own scrolling stops it. The subclass (MessageLog) supplies
the fetching and the lines.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar, ScrollTo

from peers_tui.widgets.message_log.scrollbar import LogScrollBar
from peers_tui.widgets.message_log.window import LogWindow


class LogScrolling(ScrollView):
    """Scrolling over a LogWindow: following, paging, and scrolls deferred to the layout."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.window = LogWindow(on_unseen=self._unseen_changed)
        self._owed = 0.0  # lines a page key moved beyond the loaded window, still to move
        self._user_moves = 0
        self._look_due = False  # a look for the next window asked for, not yet taken (`busy`)

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """Textual's own property, with a bar that renders again only a bar that changed
        (scrollbar.py): created the same way, on first use."""
        if self._vertical_scrollbar is None:
            bar = LogScrollBar(vertical=True, name="vertical",
                               thickness=self.scrollbar_size_vertical)
            bar.display = False
            self._vertical_scrollbar = bar
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar

    # ----------------------------------------------------------------- what the subclass does
    def _unseen_changed(self, count: int) -> None:
        """The count of messages waiting below changed."""

    def _report_read(self) -> None:
        """The reader is at the newest message: say what they have read."""

    def _maybe_load(self) -> None:
        """The view moved: fetch the next window if it came near an edge of what is loaded."""

    # ----------------------------------------------------------------- following
    @property
    def following(self) -> bool:
        """New messages scroll into view as they arrive (False while the reader looks back)."""
        return self.window.following

    @following.setter
    def following(self, value: bool) -> None:
        self.window.following = value

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # Reaching the bottom resumes following. Only the user's own scrolling (below) stops
        # it: a relayout that clamps the offset must not.
        if new_value >= self.max_scroll_y and self.window.reached_bottom():
            self.call_later(self._report_read)  # back at the bottom: caught up
        # After the frame: a fetch started now would compete with painting what is in view.
        self._look_after_refresh()

    def _look_after_refresh(self) -> None:
        """Look for the next window to fetch after the next frame. Until it has looked, the
        log is not settled (MessageLog.busy): the newest screen read on opening or at Ctrl+End
        was shown, not busy, in the frame before its scrollback was asked for, and a test that
        waited for the newest message read the log then (26 messages, not 50)."""
        self._look_due = True
        self.call_after_refresh(self._look_now)

    def _look_now(self) -> None:
        self._look_due = False  # (a flag, not a count: any look that runs looks from here)
        self._maybe_load()

    def stop_following(self) -> None:
        """The user looks back: new messages wait below instead of scrolling the view."""
        self._user_moves += 1
        if self.max_scroll_y > 0:
            self.following = False

    def on_scroll_to(self, message: ScrollTo) -> None:
        if message.y is not None and message.y < self.scroll_y:  # the scrollbar, dragged up
            self.stop_following()

    def on_mouse_scroll_up(self) -> None:
        self.stop_following()

    def action_scroll_up(self) -> None:
        self.stop_following()
        super().action_scroll_up()

    # ----------------------------------------------------------------- paging
    def action_page_up(self) -> None:
        self.page(-1)

    def action_page_down(self) -> None:
        self.page(1)

    def page(self, pages: int) -> None:
        """Move by whole screens, now, from where the view is now.

        Textual's own page scroll is deferred to after the next refresh with a target computed
        at the key press: a window of older messages laid out in between made it land hundreds
        of lines off, and each landing near the top fetched the next window (the log ran away
        to the oldest message)."""
        if pages < 0:
            self.stop_following()
        else:
            self._user_moves += 1
        height = max(1, self.scrollable_content_region.height)
        self._move_to(self.scroll_y + pages * height)

    def _move_to(self, y: float) -> None:
        """Scroll to `y` where it is loaded; the part beyond a loaded edge (more history lies
        there) is owed, and moved as soon as that window is in, so every key moves a full
        screen even when keys come faster than windows are fetched."""
        y += self._owed
        self._owed = 0
        if y < 0 and not self.window.at_oldest:
            self._owed, y = y, 0
        elif y > self.max_scroll_y and not self.window.at_newest:
            self._owed, y = y - self.max_scroll_y, self.max_scroll_y
        self._place(y)

    def _place(self, y: float) -> None:
        """Scroll to line `y` at once (clamped), so the next frame and the next key both see it."""
        self.scroll_to(y=max(0, min(y, self.max_scroll_y)), animate=False, immediate=True,
                       force=True)

    # ----------------------------------------------------------------- deferred scrolls
    def _scroll_soon(self, y: int) -> None:
        """Scroll once the new virtual size has been laid out (max_scroll_y follows it).

        Skipped if the user scrolled in between: their move wins over a stale layout's.
        """
        moves = self._user_moves

        def scroll() -> None:
            if moves == self._user_moves:
                self.scroll_to(y=y, animate=False, immediate=True)
        self.call_after_refresh(scroll)

    def _scroll_end_soon(self) -> None:
        def scroll() -> None:
            if self.following:
                self.scroll_end(animate=False, immediate=True)
        self.call_after_refresh(scroll)

    def _pin_to_bottom(self) -> None:
        """Show the bottom line in the frame being drawn now: set quietly (no watcher runs)."""
        self.set_reactive(ScrollView.scroll_y, self.max_scroll_y)
        self.set_reactive(ScrollView.scroll_target_y, self.max_scroll_y)
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.position = self.max_scroll_y

    def _set_virtual_size(self, size: Size) -> None:
        """Assigning `virtual_size` lays out the whole screen (it is a layout reactive), which
        cost more than the new line itself at every live message. The log's own size does not
        depend on its content, so only a change of scrollbar (content starting or ceasing to
        overflow) needs that layout; otherwise the scrollbar is updated in place."""
        height = self.scrollable_content_region.height
        if (size.height > height) != (self.virtual_size.height > height) or not self.size:
            self.virtual_size = size
            return
        self.set_reactive(ScrollView.virtual_size, size)
        self._scroll_update(size)
