"""LineLayout: the log's messages laid out as terminal lines, and what each line belongs to.

The widget draws only the lines on screen (Textual's line API) from `lines`; `owners` says
which message each line shows (-1 for day rules, the "new messages" line, hints and
membership events: those are no messages, nothing selects or anchors on them), which is how
the widget keeps a message in place while windows come and go. Membership events
(core.events) are laid out among the messages, each before the first message placed at or
after its time (core.events.interleave). Rendered messages are
cached by everything their lines depend on, so switching back to a group, or laying out
again after a window of older messages, renders only what is new.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from peers_tui.core.events import EventView, log_time
from peers_tui.core.identity import fingerprint
from peers_tui.core.mentions import mentions_view
from peers_tui.core.names import person_labels
from peers_tui.core.views import MessageView
from peers_tui.widgets.message_log.window import MAX_BUFFER
from peers_tui.widgets.message_render import (
    FLAG, MAX_AUTHOR_WIDTH, TIME_WIDTH, Styles, clip, day_label, day_of, render_event, render_message,
    centred_lines, render_rule,
)

Labels = dict[tuple[str, str], str]  # (author id, name) -> the label shown


def author_labels(views: Sequence[MessageView], people: frozenset[tuple[str, str]]) -> Labels:
    """Each author's label, one inert line; with the fingerprint where another person's
    name (an author's here, or a member's in `people`) equals or looks like it."""
    authors = [(v.author_id, v.display_author, v.fingerprint) for v in views]
    quoted = [(v.reply_author_id, v.reply_author, fingerprint(v.reply_author_id)) for v in views
              if v.reply_author_id is not None and v.reply_author is not None]
    return person_labels(authors + quoted, people, room=MAX_AUTHOR_WIDTH, shorten=clip)


def quoted_label(view: MessageView, labels: Labels) -> str | None:
    """The label of the author `view` replies to, as the author column names them."""
    if view.reply_author_id is None or view.reply_author is None:
        return view.reply_author
    return labels.get((view.reply_author_id, view.reply_author), view.reply_author)


def author_width(view: MessageView, labels: Labels) -> int:
    """The cells `view`'s author column asks for: its label, and the flag if unverified."""
    return (cell_len(labels[(view.author_id, view.display_author)])
            + (0 if view.verified else len(FLAG)))


def column_most(width: int) -> int:
    """The author column's most: MAX_AUTHOR_WIDTH, less below 45 columns so the text keeps
    20 cells (at 30 columns the text had 5 and was cropped at the edge: 'wind' for 'window')."""
    return max(4, min(MAX_AUTHOR_WIDTH, width - (TIME_WIDTH + 1 + 3) - 20))


def column_width(views: Sequence[MessageView], labels: Labels, width: int) -> int:
    """The author column: as wide as the widest author asks, column_most(width) at most."""
    return min(column_most(width), max([author_width(view, labels) for view in views] or [4]))


class Basis:
    """What the last full layout settled: new lines appended at the end must agree with it."""

    # A plain class, not a dataclass: a dataclass compiles its methods at import, and the log
    # is imported before the first frame of a start measured against a bare Textual app.
    __slots__ = ("width", "styles", "labels", "author_width", "marker_at")

    def __init__(self, width: int, styles: Styles, labels: Labels, author_width: int,
                 marker_at: int | None) -> None:
        self.width, self.styles, self.labels = width, styles, labels
        self.author_width, self.marker_at = author_width, marker_at


class Look:
    """How messages are drawn this time: which one is highlighted, and with what (a plain
    class, as Basis)."""

    __slots__ = ("console", "highlight_id", "highlight", "me", "handle", "expanded",
                 "selected_id", "selected", "unsent")

    def __init__(self, console: Console, highlight_id: str | None,
                 highlight: Callable[[], Style],  # asked for only when it is drawn
                 me: str = "",                    # the reader's id: a reply to them mentions them
                 handle: str | None = None,       # the reader's handle here: as a word, too
                 expanded: Callable[[str], bool] = lambda message_id: False,  # shown whole
                 selected_id: str | None = None,  # the message selection mode acts on
                 selected: Callable[[], Style] | None = None,  # its style, when drawn
                 unsent: Callable[[MessageView], str] = lambda view: "",  # its mark: hub
                 ) -> None:
        self.console, self.highlight_id, self.highlight = console, highlight_id, highlight
        self.me, self.handle, self.expanded = me, handle, expanded
        self.selected_id, self.selected, self.unsent = selected_id, selected, unsent

    def mentioned(self, view: MessageView) -> bool:
        return bool(self.me) and mentions_view(view, self.handle, self.me)


Item = MessageView | EventView  # what the log lays out: messages, and events between them


class LineLayout:
    """The lines of the messages last laid out, and the render cache behind them."""

    def __init__(self) -> None:
        self.lines: list[Strip] = []
        self.owners: list[int] = []          # the index in `laid_out` of each line, -1 for rules
        self.laid_out: list[MessageView] = []  # the views `owners` index: those of the last layout
        self.width = 0                       # the width the lines were laid out at (0: none yet)
        self.basis: Basis | None = None
        self.day: str | None = None          # the day of the last item laid out
        self._cache: dict[tuple[object, ...], list[Strip]] = {}  # events' lines
        self._drawn: dict[tuple[object, ...], tuple[MessageView, list[Strip]]] = {}  # messages'

    def clear(self) -> None:
        """No lines (the log has no width yet); the cache stays."""
        self.lines, self.owners, self.width, self.laid_out = [], [], 0, []

    def build(self, views: list[MessageView], basis: Basis, look: Look,
              empty_hint: tuple[str, ...] | None, items: list[Item] | None = None,
              top_note: str | None = None) -> None:
        """Lay out every message (`items`: the same with the events between them, if any);
        `empty_hint` (a rule, then centred lines) if there are no messages; `top_note` (a
        rule) above them all (history not yet received)."""
        if self.basis is not None and vars(self.basis.styles) != vars(basis.styles):
            self._cache.clear()  # drawn in another theme's colours
            self._drawn.clear()
        self.basis = basis
        width = basis.width
        lines: list[Strip] = []
        owners: list[int] = []
        if top_note and views:
            lines.append(render_rule(top_note, width, basis.styles.dim))
            owners.append(-1)
        self._emit(views if items is None else items, 0, None, lines, owners, look)
        if not views and empty_hint:
            lines.append(Strip.blank(width))
            lines.append(render_rule(empty_hint[0], width, basis.styles.dim))
            owners.extend([-1, -1])
            for hint in empty_hint[1:]:  # what a newcomer can do next, centred below
                for text in centred_lines(hint, width):
                    lines.append(Strip([Segment(text, basis.styles.dim)], cell_len(text)))
                    owners.append(-1)
        if len(self._cache) > 4 * MAX_BUFFER:
            self._cache.clear()
        if len(self._drawn) > 4 * MAX_BUFFER:
            self._drawn.clear()
        self.lines, self.owners, self.width = lines, owners, width
        self.laid_out = list(views)

    def append(self, views: list[MessageView], start: int, width: int,
               marker_at: Callable[[], int | None], people: frozenset[tuple[str, str]],
               look: Look, latest_event: int | None = None) -> bool:
        """Lay out only views[start:], new at the end: what a live message costs while the log
        follows. False where the rest would change too (a new handle clash or a wider author
        column, the "new messages" line, another width, an event shown last that belongs
        after the new message: `latest_event` is the latest time of those shown): then the
        caller lays out everything."""
        basis = self.basis
        if basis is None or start == 0 or width != basis.width or width != self.width:
            return False
        if start < len(views) and latest_event is not None \
                and latest_event > log_time(views[start]):
            return False
        if basis.marker_at is None and marker_at() is not None:
            return False
        if any((view.author_id, view.display_author) not in basis.labels
               for view in views[start:]):
            labels = author_labels(views, people)
            if any(labels.get(key, label) != label for key, label in basis.labels.items()):
                return False  # a new name looks like one shown: both get a fingerprint
            for key, label in labels.items():
                if key not in basis.labels:
                    basis.labels[key] = label
        if any(min(column_most(basis.width), author_width(view, basis.labels))
               > basis.author_width
               for view in views[start:]):
            return False
        self._emit(views[start:], start, self.day, self.lines, self.owners, look)
        self.laid_out = list(views)
        return True

    def _emit(self, items: Sequence[Item], index: int, previous_day: str | None,
              lines: list[Strip], owners: list[int], look: Look) -> None:
        """Render `items` onto `lines` (with `owners`: the index of each line's message in the
        views, from `index` on; -1 for rules and events)."""
        basis = self.basis
        assert basis is not None  # set by build() before any line is emitted
        width, author_width = basis.width, basis.author_width
        for item in items:
            day = day_of(item.created_at)
            if day != previous_day:
                lines.append(render_rule(day_label(item.created_at), width,
                                         basis.styles.separator))
                owners.append(-1)
                previous_day = day
            if isinstance(item, EventView):
                key: tuple[object, ...] = (item, author_width, width)
                strips = self._cache.get(key)
                if strips is None:
                    strips = render_event(item, author_width, width, look.console, basis.styles)
                    self._cache[key] = strips
                lines.extend(strips)
                owners.extend([-1] * len(strips))
                continue
            if index == basis.marker_at:
                lines.append(render_rule("new messages", width, basis.styles.marker))
                owners.append(-1)
            label = basis.labels[(item.author_id, item.display_author)]
            highlighted = item.id == look.highlight_id
            selected = item.id == look.selected_id and look.selected is not None
            mentioned, expanded = look.mentioned(item), look.expanded(item.id)
            unsent = look.unsent(item)
            # Keyed by the message's id and held with the view it was drawn from: hashing the
            # view itself (its 19 fields, twice a message) was a fifth of a first layout.
            quoted = quoted_label(item, basis.labels) if item.reply_to else None
            key = (item.id, label, quoted, author_width, width, highlighted, mentioned, expanded,
                   selected, unsent)
            drawn = self._drawn.get(key)
            if drawn is not None and (drawn[0] is item or drawn[0] == item):
                strips = drawn[1]
            else:
                strips = render_message(item, label, author_width, width, look.console,
                                        basis.styles, mentioned=mentioned, expanded=expanded,
                                        unsent=unsent, quoted=quoted)
                if highlighted:
                    highlight = look.highlight()
                    strips = [strip.apply_style(highlight) for strip in strips]
                if selected and look.selected is not None:
                    chosen = look.selected()
                    strips = [strip.apply_style(chosen) for strip in strips]
                self._drawn[key] = (item, strips)
            lines.extend(strips)
            owners.extend([index] * len(strips))
            index += 1
        self.day = previous_day

    # ----------------------------------------------------------------- where messages are
    def anchor(self, top: int) -> tuple[str, int] | None:
        """The first message with a line at or below line `top`, and how far below it is."""
        # The lines index the views they were laid out from: a window of older messages put
        # in front of the views since then shifts every index (the anchor was 100 messages
        # off, the view stayed near the top and fetched the next window, and the next: PgUp
        # ran to the oldest message).
        for line in range(top, len(self.owners)):
            owner = self.owners[line]
            if owner >= 0:
                return self.laid_out[owner].id if owner < len(self.laid_out) else "", line - top
        return None

    def line_of(self, message_id: str) -> int | None:
        """The first line of the message with this id."""
        for line, owner in enumerate(self.owners):
            if owner >= 0 and self.laid_out[owner].id == message_id:
                return line
        return None

    def line_from(self, message_id: str) -> int | None:
        """The first line of the first message with this id or a later one."""
        for line, owner in enumerate(self.owners):
            if owner >= 0 and self.laid_out[owner].id >= message_id:
                return line
        return None

    def last_id_above(self, bottom: int) -> str | None:
        """The id of the last message with a line above line `bottom`."""
        for line in range(min(len(self.owners), bottom) - 1, -1, -1):
            owner = self.owners[line]
            if 0 <= owner < len(self.laid_out):
                return self.laid_out[owner].id
        return None
