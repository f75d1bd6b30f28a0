"""LogLines: the drawing half of the message log.

It lays the LogWindow's messages out as lines (a LineLayout) at the log's width, lays them
out again when the width, the theme or the people's names change, appends the lines of a
live message without laying out the rest, and draws only the lines on screen (Textual's
line API), the newest in view from the very first frame while the log follows. The group's
membership events are laid out among the messages of the window (core.events.interleave);
the messages that mention the reader get a bar (core.mentions); long ones fold unless
expanded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

from rich.style import Style
from textual.geometry import Region, Size
from textual.strip import Strip

from peers_tui.core.events import EventView, interleave
from peers_tui.core.views import MessageView
from peers_tui.widgets.message_log.layout import (
    Basis, Item, LineLayout, Look, author_labels, column_width,
)
from peers_tui.widgets.message_log.painted import PaintedLines
from peers_tui.widgets.message_log.scrolling import LogScrolling
from peers_tui.widgets.message_log.window import HistorySource
from peers_tui.widgets.message_render import REFUSED_MARK, UNSENT_MARK, VOID_MARK, Styles


class LogLines(LogScrolling):
    """A LogScrolling that draws its window's messages as laid-out lines."""

    COMPONENT_CLASSES = {
        "message-log--time", "message-log--body", "message-log--dim", "message-log--marker",
        "message-log--problem", "message-log--day", "message-log--highlight",
        "message-log--mention",
        "message-log--selected",
    }

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.line_layout = LineLayout()
        # (id, handle) of the group's members, former ones too, from its verified roster:
        # an author whose name equals or looks like another's is shown with a fingerprint.
        self.people: frozenset[tuple[str, str]] = frozenset()
        # Shown when the group has no messages: a rule, then lines telling what to do next.
        self.empty_hint: tuple[str, ...] = ("No messages yet. Say hello below.",)
        self._base_style: Style | None = None
        self._style_set: Styles | None = None
        self._relayout_due = False
        self._painted = PaintedLines()  # painted lines by the line they show (painted.py)
        self._blank: Strip | None = None  # the row below the last line: one object, kept
        self.source: HistorySource | None = None  # the group shown (set by MessageLog.show)
        # The group's membership events and the source they were read from: another group's
        # are never laid out while the new group's are read.
        self.events: tuple[EventView, ...] = ()
        self._events_of: HistorySource | None = None
        self._latest_event: int | None = None
        # Messages shown whole however long (the selected one): the others fold.
        self.expanded: set[str] = set()
        # Above the oldest message while a backfill brings the rest (fetching.frontier_note).
        self.frontier_note: str | None = None
        # The reader's messages stored after this rowid are not yet at the relay's hub
        # (core.link_state): marked. None: no relay, nothing is marked.
        self.sent_up_to: int | None = None
        self.refused_ids: frozenset[str] = frozenset()  # refused by the hub (relay.hub_refusals)
        self.void_ids: frozenset[str] = frozenset()  # ... of them, void by a cut (refused_told)
        self._after_paint: list[Callable[[], object]] = []  # see after_next_paint

    @property
    def rendered_lines(self) -> list[Strip]:
        """Every line of the log as laid out, on screen or not."""
        return self.line_layout.lines

    def set_people(self, people: frozenset[tuple[str, str]]) -> None:
        """The group's members changed (or were first read): relabel if a name now needs,
        or no longer needs, its fingerprint."""
        if people == self.people:
            return
        handle = self._my_handle()
        self.people = people
        renamed = self._rename_authors(people)
        basis = self.line_layout.basis
        if basis is not None and (renamed or author_labels(self.window.views, people)
                                  != basis.labels or self._my_handle() != handle):
            self._relayout(keep_anchor=not self.following)

    def _rename_authors(self, people: frozenset[tuple[str, str]]) -> bool:
        """A member's handle changed (`/nick` here or on another host): the messages on screen
        name them as they are called now, as a window read afresh does (before, those read
        earlier kept the old name beside the roster's new one)."""
        handles = dict(people)
        views = self.window.views
        renamed = False
        for index, view in enumerate(views):
            now = handles.get(view.author_id)
            if now is not None and now != view.author and not view.imported:
                views[index] = view.replace(author=now)
                renamed = True
        return renamed

    def set_events(self, events: Iterable[EventView]) -> None:
        """The shown group's membership events (GroupStore.events(), read with its roster):
        each laid out in its place among the messages."""
        shown = tuple(events)
        if shown == self.events and self._events_of is self.source:
            return
        self.events, self._events_of = shown, self.source
        self._latest_event = max((event.created_at for event in shown), default=None)
        self._relayout(keep_anchor=not self.following)

    def set_expanded(self, message_ids: Iterable[str]) -> None:
        """Show these messages whole (the others fold beyond FOLD_LINES)."""
        wanted = set(message_ids)
        if wanted != self.expanded:
            self.expanded = wanted
            self._relayout(keep_anchor=not self.following)

    def set_sent_up_to(self, rowid: int | None, refused: Iterable[str] = (),
                       void: Iterable[str] = ()) -> None:
        """The relay stored this group's messages upstream up to `rowid`: the reader's later
        ones are marked, the others no longer; those of `refused` the hub refused (of `void`,
        a cut voided) marked apart, whoever wrote them (laid out again if a mark changes)."""
        refused, void = frozenset(refused), frozenset(void)
        if rowid == self.sent_up_to and (refused, void) == (self.refused_ids, self.void_ids):
            return
        before = [(view.id, self._unsent(view)) for view in self.window.views]
        self.sent_up_to, self.refused_ids, self.void_ids = rowid, refused, void
        if [(view.id, self._unsent(view)) for view in self.window.views] != before:
            self._relayout(keep_anchor=not self.following)

    def _unsent(self, view: MessageView) -> str:
        """The mark after a message's time: void, refused by the hub, not yet sent, or none."""
        if view.id in self.refused_ids:
            return VOID_MARK if view.id in self.void_ids else REFUSED_MARK
        sent = self.sent_up_to
        return UNSENT_MARK if (sent is not None and view.rowid > sent
                               and view.author_id == self.window.me) else ""

    def _events_shown(self) -> bool:
        return bool(self.events) and self._events_of is self.source

    def _items(self) -> list[Item] | None:
        """The window's messages with the events that fall among them; None without events."""
        if not self._events_shown():
            return None
        window = self.window
        return interleave(window.views, list(self.events), from_start=window.at_oldest,
                          to_end=window.at_newest)

    def _my_handle(self) -> str | None:
        """The reader's handle in the group shown (from its roster): a mention names it."""
        me = self.window.me
        return next((handle for user_id, handle in self.people if user_id == me), None)

    def on_resize(self) -> None:
        # Lines depend on the width only; start-up alone resizes the log a dozen times.
        width = self.scrollable_content_region.width or self.size.width
        if width != self.line_layout.width or not self.line_layout.lines:
            self._relayout(keep_anchor=not self.following)
        if self.following:
            self._scroll_end_soon()

    def _partial_style(self, name: str) -> Style:
        """`get_component_rich_style(name, partial=True)`, without the full style Textual
        computes beside it (and drops): that walks every ancestor's styles, ~0.1 ms a class,
        seven of them before the first frame."""
        styles = self.get_component_styles(name)
        style = styles.partial_rich_style
        if styles.auto_color and styles.has_rule("color"):
            # `$text-muted` is "auto 60%": a colour that contrasts with the background, which
            # the partial style leaves as its placeholder, plain white. Resolved here as
            # Textual's full style does, or times and events were white in every theme
            # (unreadable on a light one: h-newuser).
            background = self.background_colors[1]
            contrast = background.get_contrast_text(styles.color.a)
            style += Style(color=(background + contrast).rich_color)
        return style

    def _styles(self) -> Styles:
        """The component styles, looked up once per theme (each lookup walks the CSS)."""
        if self._style_set is None:
            get = self._partial_style
            self._style_set = Styles(
                get("message-log--time"), get("message-log--body"), get("message-log--dim"),
                get("message-log--marker"), get("message-log--problem"),
                get("message-log--day"), get("message-log--mention"))
        return self._style_set

    def _look(self) -> Look:
        highlight = partial(self._partial_style, "message-log--highlight")
        selected = partial(self._partial_style, "message-log--selected")
        selected_id = self.window.selected_id
        # A folded message is shown whole while it is selected (or expanded by hand).
        return Look(self.app.console, self.window.highlight_id, highlight, self.window.me,
                    self._my_handle(),
                    lambda message_id: message_id in self.expanded or message_id == selected_id,
                    selected_id, selected, self._unsent)

    def _relayout(self, keep_anchor: bool = False) -> None:
        self._relayout_due = False
        width = self.scrollable_content_region.width or self.size.width
        if not width:
            # Not laid out yet (the group is shown while the screen mounts): the first paint
            # lays the lines out at its real width (render_line), not here at a guessed one.
            self.line_layout.clear()
            return
        anchor = self.line_layout.anchor(int(self.scroll_y)) if keep_anchor else None
        views = self.window.views
        labels = author_labels(views, self.people)
        basis = Basis(width, self._styles(), labels, column_width(views, labels, width),
                      self.window.marker_index())
        self.line_layout.build(views, basis, self._look(),
                               self.empty_hint if self.window.loaded else None, self._items(),
                               self.frontier_note if self.window.at_oldest else None)
        self._set_virtual_size(Size(width, len(self.line_layout.lines)))
        if self.window.tailing:
            self._scroll_end_soon()  # any relayout (a width change too) keeps the newest in view
        elif anchor is not None:
            anchor_id, offset = anchor
            line = self.line_layout.line_of(anchor_id)
            if line is not None:
                # At once, not after the refresh: a key pressed in between would scroll from
                # the old offset over the new lines (and skip this), leaving the view near the
                # top of a window that has just grown, fetching the next one.
                self._place(line - offset)
        self.refresh()

    def _append(self, start: int) -> bool:
        """Lay out only the views from `start` on, new at the end (see LineLayout.append)."""
        width = self.scrollable_content_region.width or self.size.width or 80
        if not self.line_layout.append(self.window.views, start, width, self.window.marker_index,
                                       self.people, self._look(),
                                       self._latest_event if self._events_shown() else None):
            return False
        self._set_virtual_size(Size(width, len(self.line_layout.lines)))
        if self.following:
            # Now, in the frame that paints the new line: scrolled only after that refresh, a
            # live message reached the terminal ~40 ms later (that refresh, then another).
            self.scroll_end(animate=False, immediate=True)
        self._scroll_end_soon()  # and after it, should the new size have needed a layout
        self.refresh()
        return True

    def notify_style_update(self) -> None:
        self._base_style = self._style_set = None  # the theme or a pseudo-class changed
        self._blank = None
        self._painted.clear()
        super().notify_style_update()

    def after_next_paint(self, callback: Callable[[], object]) -> None:
        """Call `callback` once the next frame that paints the log is done (the group just
        shown is on screen then; "after refresh" can come before that frame is made)."""
        self._after_paint.append(callback)

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._after_paint:  # run after this frame is written (the next turn of the loop)
            for callback in self._after_paint:
                self.call_next(callback)
            self._after_paint = []
        # A new message scrolls every row: the lines painted before are found by line.
        return self._painted.render(self, crop, self.render_line, super().render_lines)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        lines = self.line_layout.lines
        window = self.window
        if width != self.line_layout.width and y == 0 and (lines or window.views or window.loaded):
            # The width changed (or the first paint): lay out now, so this very frame shows
            # the lines at their width, the newest in view, instead of the next one.
            self._relayout(keep_anchor=not self.following)
            lines = self.line_layout.lines
            if self.window.tailing:
                self._pin_to_bottom()
            self._look_after_refresh()  # set quietly: no watcher will ask
        index = int(self.scroll_y) + y
        if width != self.line_layout.width and lines:
            if not self._relayout_due:  # once, however many lines are drawn before it runs
                self._relayout_due = True
                self.call_later(self._relayout, keep_anchor=not self.following)
        elif y == 0 and self.window.tailing and lines and self.scroll_y < self.max_scroll_y:
            # Following means the newest line is in view: whatever layout change came between
            # (sizes settling at start-up, a scroll done before it), put it back.
            self._scroll_end_soon()
        # rich_style walks the ancestors' styles (0.1 ms): once per style, not once per line.
        base = self._base_style
        if base is None:  # the first paint, or after a change of theme or pseudo-class
            base = self._base_style = self.rich_style
            basis = self.line_layout.basis
            if (basis is not None and lines and not self._relayout_due
                    and vars(basis.styles) != vars(self._styles())):
                # A new theme: the lines were drawn in the old one's colours (`/theme` showed
                # them until a restart). Laid out again, in the new ones.
                self._relayout_due = True
                self.call_later(self._relayout, keep_anchor=not self.following)
        if 0 <= index < len(lines):
            # The log's own colours under every cell (its lines are drawn with the component
            # styles alone: left so, text without a colour of its own took the terminal's,
            # whatever the theme). Both steps are cached on the line: the same strip each time.
            return lines[index].apply_style(base).crop_extend(0, width, base)
        blank = self._blank
        if blank is None or blank.cell_length != width:
            blank = self._blank = Strip.blank(width, base)
        return blank
