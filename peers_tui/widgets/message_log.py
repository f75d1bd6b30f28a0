"""MessageLog: a virtual log of a group's history.

It renders only the lines on screen (Textual's line API) and holds a bounded window of
messages, fetched from SQLite by indexed key in thread workers as the view moves: older
history near the top, newer near the bottom, a fresh window around any message on a jump.
Opening a million-message group costs what opening a ten-message group does, and memory is
bounded by MAX_BUFFER, not by history.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Protocol

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import on, work
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollTo
from textual.strip import Strip

from peers_tui.core.errors import PeersError
from peers_tui.core.names import look_alikes, shown_name
from peers_tui.core.views import MessageView
from peers_tui.widgets.message_render import (
    FLAG, MAX_AUTHOR_WIDTH, Styles, clip, day_label, day_of, render_message, render_rule,
)

WINDOW = 100        # messages fetched at a time
FIRST_SCREEN = 10   # newest messages fetched beyond one per line of the log, when it opens
MAX_BUFFER = 400    # messages held at most; the far side is dropped beyond this
LOAD_MARGIN = 20    # lines from an edge at which the next window is fetched


@dataclass
class _Layout:
    """What the last full layout settled: new lines appended at the end must agree with it."""

    width: int
    styles: Styles
    labels: dict[str, str]
    author_width: int
    marker_at: int | None


def author_width(view: MessageView, labels: dict[str, str]) -> int:
    """The cells `view`'s author column asks for: its label, and the flag if unverified."""
    return cell_len(labels[view.author_id + view.display_author]) + (0 if view.verified else len(FLAG))


class HistorySource(Protocol):
    """What the log reads from: a GroupStore (synchronous; called in thread workers only)."""

    def recent(self, limit: int) -> list[MessageView]: ...
    def before(self, message_id: str, limit: int) -> list[MessageView]: ...
    def after(self, message_id: str, limit: int) -> list[MessageView]: ...
    def oldest(self, limit: int) -> list[MessageView]: ...
    def around(self, message_id: str, limit: int) -> list[MessageView]: ...


class MessageLog(ScrollView, can_focus=True):
    """The scrolling history of one group."""

    COMPONENT_CLASSES = {
        "message-log--time", "message-log--body", "message-log--dim", "message-log--marker",
        "message-log--problem", "message-log--day", "message-log--highlight",
    }
    BINDINGS = [
        Binding("home", "oldest", "Oldest", show=False),
        Binding("end", "newest", "Newest", show=False),
        Binding("up", "scroll_up", show=False),
        Binding("down", "scroll_down", show=False),
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
    ]

    @dataclass
    class WindowLoaded(Message):
        generation: int
        mode: str
        views: list[MessageView]
        focus_id: str | None = None
        limit: int = WINDOW

    @dataclass
    class LoadFailed(Message):
        reason: str

    @dataclass
    class UnseenChanged(Message):
        """How many new messages arrived below the part of the log on screen."""

        log: MessageLog
        count: int

    @dataclass
    class ReadUpTo(Message):
        """The newest message is on screen, the log following it: read up to here (the
        message stored last of those loaded: unread is by arrival, not by id)."""

        log: MessageLog
        message_id: str
        rowid: int = 0

    following: var[bool] = var(True)
    unseen: var[int] = var(0)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.source: HistorySource | None = None
        self.views: list[MessageView] = []
        self.at_oldest = False
        self.at_newest = False
        self.read_marker: str | None = None
        self.me = ""
        self.highlight_id: str | None = None
        # (id, handle) of the group's members, former ones too, from its verified roster:
        # an author whose name equals or looks like another's is shown with a fingerprint.
        self.people: frozenset[tuple[str, str]] = frozenset()
        # Shown when the group has no messages: a rule, then lines telling what to do next.
        self.empty_hint: tuple[str, ...] = ("No messages yet. Say hello below.",)
        self._lines: list[Strip] = []
        self._owners: list[int] = []
        self._owed = 0.0  # lines a page key moved beyond the loaded window, still to move
        self._laid_out: list[MessageView] = []  # the views _owners index: those of the last layout
        self._generation = 0
        self._loading = False
        self._loaded = False
        self._user_moves = 0
        self._width = 0
        self._cache: dict[tuple[object, ...], list[Strip]] = {}
        self._layout: _Layout | None = None
        self._base_style: Style | None = None
        self._style_set: Styles | None = None
        self._relayout_due = False

    # ----------------------------------------------------------------- public API
    def show(self, source: HistorySource, read_marker: str | None, me: str = "",
             newest: list[MessageView] | None = None,
             people: frozenset[tuple[str, str]] = frozenset()) -> None:
        """Point the log at a group: drop what it held and fetch the newest window.

        The "new messages" line goes above the first message after `read_marker` that
        someone other than `me` wrote. `newest`, when the caller already read it (the
        `first_window()` newest messages), is shown at once instead of fetched.
        """
        self.source = source
        self.read_marker = read_marker
        self.me = me
        self.people = people
        self.views, self.at_oldest, self.at_newest = [], False, False
        self.highlight_id = None
        self._loaded = False
        self._generation += 1  # the render cache stays: switching back finds its lines drawn
        self.following = True
        self.unseen = 0
        if newest is not None:
            self._apply_window("recent", newest, None, self.first_window())
            return
        self._relayout()
        self._load("recent", None)

    def set_people(self, people: frozenset[tuple[str, str]]) -> None:
        """The group's members changed (or were first read): relabel if a name now needs,
        or no longer needs, its fingerprint."""
        if people == self.people:
            return
        self.people = people
        if self._layout is not None and self._labels() != self._layout.labels:
            self._relayout(keep_anchor=not self.following)

    def first_window(self) -> int:
        """How many of the newest messages fill the log, with a few to spare."""
        height = self.size.height or max(0, self.app.size.height - 4)
        return min(WINDOW, height + FIRST_SCREEN) if height else WINDOW

    def jump_to(self, message_id: str) -> None:
        """Fetch a window around a message and bring it on screen, highlighted."""
        self.highlight_id = message_id
        self.following = False
        self._load("around", message_id)

    def apply_live(self, views: list[MessageView]) -> None:
        """Messages another process (or we) just stored, or messages they changed.

        A new message goes in its place by id wherever that falls in the window: one stored
        late (imported, backdated, from another host) may sort before the newest on screen.
        """
        if not views:
            return
        index = {view.id: i for i, view in enumerate(self.views)}
        last_seen = self._last_visible_id()
        fresh: list[MessageView] = []
        below = 0
        changed = False
        for view in views:
            if view.id in index:
                self.views[index[view.id]] = view
                changed = True
            elif self._covers(view.id):
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
        if self.tailing:
            if changed or len(self.views) > MAX_BUFFER or not self._append(appended):
                # Trim a window more than needed, so the next messages are cheap appends again.
                self._trim(keep="newest", slack=WINDOW)
                self._relayout()
                self._scroll_end_soon()
            self._report_read()
        else:
            self._trim(keep="oldest")
            self._relayout(keep_anchor=True)
            self.unseen += below

    def _covers(self, message_id: str) -> bool:
        """Whether the loaded window spans this id (a message with it belongs in the window)."""
        if not self._loaded:
            return False
        if self.views and message_id < self.views[0].id and not self.at_oldest:
            return False
        if self.views and message_id > self.views[-1].id and not self.at_newest:
            return False
        return True

    def _last_visible_id(self) -> str | None:
        """The id of the last message with a line on screen."""
        bottom = min(len(self._owners), int(self.scroll_y) + self.scrollable_content_region.height)
        for line in range(bottom - 1, -1, -1):
            owner = self._owners[line]
            if 0 <= owner < len(self._laid_out):
                return self._laid_out[owner].id
        return None

    @property
    def tailing(self) -> bool:
        """The newest messages are loaded and kept in view as more arrive (like `tail -f`)."""
        return self.following and self.at_newest

    @property
    def newest_id(self) -> str | None:
        return self.views[-1].id if self.views else None

    def _report_read(self) -> None:
        if self.tailing and self.views:
            last = max(self.views, key=lambda view: view.rowid)
            self.post_message(self.ReadUpTo(self, last.id, last.rowid))

    # ----------------------------------------------------------------- loading
    @work(thread=True, exclusive=True, group="log-window", exit_on_error=False)
    def _fetch(self, generation: int, mode: str, anchor: str | None, limit: int) -> None:
        source = self.source
        if source is None:
            return
        try:
            if mode == "recent":
                views = source.recent(limit)
            elif mode == "older":
                views = source.before(anchor or "", WINDOW)
            elif mode == "newer":
                views = source.after(anchor or "", WINDOW)
            elif mode == "oldest":
                views = source.oldest(WINDOW)
            else:
                views = source.around(anchor or "", WINDOW)
        except PeersError as exc:
            self.post_message(self.LoadFailed(str(exc)))
            return
        self.post_message(self.WindowLoaded(generation, mode, views, anchor, limit))

    def _load(self, mode: str, anchor: str | None) -> None:
        self._loading = True
        # The newest: enough to fill the screen, so it shows sooner; the scrollback is fetched
        # right after (the view starts near the top edge of what is loaded).
        limit = self.first_window() if mode == "recent" else WINDOW
        self._fetch(self._generation, mode, anchor, limit)

    @on(WindowLoaded)
    def _window_loaded(self, event: WindowLoaded) -> None:
        event.stop()
        if event.generation != self._generation:
            return
        self._apply_window(event.mode, event.views, event.focus_id, event.limit)

    def _apply_window(self, mode: str, views: list[MessageView], focus_id: str | None,
                      limit: int) -> None:
        self._loading = False
        self._loaded = True
        if mode in ("recent", "oldest", "around"):
            self._owed = 0
            self.views = views
            self.at_newest = mode == "recent" or len(views) < WINDOW // 2
            self.at_oldest = mode == "oldest" or (mode == "recent" and len(views) < limit)
            if mode == "around":
                before = sum(1 for v in views if v.id < (focus_id or ""))
                self.at_oldest = before < WINDOW // 2
                self.at_newest = len(views) - before < WINDOW // 2
            self._relayout()
            if mode == "recent":
                self.following = True
                self.unseen = 0
                self._scroll_end_soon()
                self._report_read()
            elif mode == "oldest":
                self._scroll_soon(0)
            else:
                self._scroll_to_message(focus_id)
            return
        if mode == "older":
            known = {v.id for v in self.views}
            fresh = [v for v in views if v.id not in known]
            self.at_oldest = len(views) < WINDOW
            self.views = fresh + self.views
            self._trim(keep="oldest")
        else:
            known = {v.id for v in self.views}
            fresh = [v for v in views if v.id not in known]
            self.at_newest = len(views) < WINDOW
            self.views = self.views + fresh
            self._trim(keep="newest")
        self._relayout(keep_anchor=True)
        if self._owed:
            self._move_to(self.scroll_y)
        self.call_after_refresh(self._maybe_load)

    @on(LoadFailed)
    def _load_failed(self, event: LoadFailed) -> None:
        self._loading = False
        self.notify(event.reason, title="Could not read the group", severity="error")

    def _trim(self, keep: str, slack: int = 0) -> None:
        if len(self.views) <= MAX_BUFFER:
            return
        excess = len(self.views) - MAX_BUFFER + slack
        if keep == "oldest":
            self.views = self.views[:MAX_BUFFER]
            self.at_newest = False
        else:
            self.views = self.views[excess:]
            self.at_oldest = False

    def _maybe_load(self) -> None:
        if self._loading or self.source is None or not self.views:
            return
        if self.tailing and self.scroll_y < self.max_scroll_y:
            return  # the newest are about to be scrolled into view: load what is near there
        if self.scroll_y < LOAD_MARGIN and not self.at_oldest:
            self._load("older", self.views[0].id)
        elif self.scroll_y > self.max_scroll_y - LOAD_MARGIN and not self.at_newest:
            self._load("newer", self.views[-1].id)

    # ----------------------------------------------------------------- scrolling
    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # Reaching the bottom resumes following. Only the user's own scrolling (below) stops
        # it: a relayout that clamps the offset must not.
        if new_value >= self.max_scroll_y and self.at_newest:
            if not self.following or self.unseen:
                self.call_later(self._report_read)  # back at the bottom: caught up
            self.following = True
            self.unseen = 0
        # After the frame: a fetch started now would compete with painting what is in view.
        self.call_after_refresh(self._maybe_load)

    def stop_following(self) -> None:
        """The user looks back: new messages wait below instead of scrolling the view."""
        self._user_moves += 1
        if self.max_scroll_y > 0:
            self.following = False

    def on_mouse_scroll_up(self) -> None:
        self.stop_following()

    def on_scroll_to(self, message: ScrollTo) -> None:
        if message.y is not None and message.y < self.scroll_y:  # the scrollbar, dragged up
            self.stop_following()

    def action_scroll_up(self) -> None:
        self.stop_following()
        super().action_scroll_up()

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
        if y < 0 and not self.at_oldest:
            self._owed, y = y, 0
        elif y > self.max_scroll_y and not self.at_newest:
            self._owed, y = y - self.max_scroll_y, self.max_scroll_y
        self._place(y)

    def _place(self, y: float) -> None:
        """Scroll to line `y` at once (clamped), so the next frame and the next key both see it."""
        self.scroll_to(y=max(0, min(y, self.max_scroll_y)), animate=False, immediate=True,
                       force=True)

    def watch_unseen(self, count: int) -> None:
        self.post_message(self.UnseenChanged(self, count))

    def action_oldest(self) -> None:
        self.stop_following()
        if self.at_oldest:
            self.scroll_home(animate=False)
        else:
            self._generation += 1
            self._load("oldest", None)

    def action_newest(self) -> None:
        if self.at_newest:
            self.following = True
            self.unseen = 0
            self.scroll_end(animate=False)
            self._report_read()
        else:
            self._generation += 1
            self._load("recent", None)

    def _scroll_to_message(self, message_id: str | None) -> None:
        if message_id is None:
            return
        for line, owner in enumerate(self._owners):
            if owner >= 0 and self.views[owner].id >= message_id:
                self._scroll_soon(max(0, line - self.size.height // 3))
                return

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

    # ----------------------------------------------------------------- layout and rendering
    def on_resize(self) -> None:
        # Lines depend on the width only; start-up alone resizes the log a dozen times.
        width = self.scrollable_content_region.width or self.size.width
        if width != self._width or not self._lines:
            self._relayout(keep_anchor=not self.following)
        if self.following:
            self._scroll_end_soon()

    def _styles(self) -> Styles:
        """The component styles, looked up once per theme (each lookup walks the CSS)."""
        if self._style_set is None:
            get = partial(self.get_component_rich_style, partial=True)
            self._style_set = Styles(
                get("message-log--time"), get("message-log--body"), get("message-log--dim"),
                get("message-log--marker"), get("message-log--problem"),
                get("message-log--day"))
        return self._style_set

    def _labels(self) -> dict[str, str]:
        """Each author's label, one inert line; with the fingerprint where another person's
        name (an author's here, or a member's) equals or looks like it."""
        people = {(view.author_id, view.display_author) for view in self.views}
        ambiguous = look_alikes(people | self.people)
        labels = {}
        for view in self.views:
            key = view.author_id + view.display_author
            if key in labels:
                continue
            name = shown_name(view.display_author)
            if (view.author_id, view.display_author) in ambiguous:
                name = f"{clip(name, MAX_AUTHOR_WIDTH - len(view.fingerprint) - 1)}~{view.fingerprint}"
            labels[key] = name
        return labels

    def _marker_index(self) -> int | None:
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

    def _anchor(self) -> tuple[str, int] | None:
        # The lines index the views they were laid out from: a window of older messages put
        # in front of `views` since then shifts every index (the anchor was 100 messages off,
        # the view stayed near the top and fetched the next window, and the next: PgUp ran to
        # the oldest message).
        top = int(self.scroll_y)
        laid_out = self._laid_out
        for line in range(top, len(self._owners)):
            owner = self._owners[line]
            if owner >= 0:
                return laid_out[owner].id if owner < len(laid_out) else "", line - top
        return None

    def _relayout(self, keep_anchor: bool = False) -> None:
        self._relayout_due = False
        width = self.scrollable_content_region.width or self.size.width
        if not width:
            # Not laid out yet (the group is shown while the screen mounts): the first paint
            # lays the lines out at its real width (render_line), not here at a guessed one.
            self._lines, self._owners, self._width, self._laid_out = [], [], 0, []
            return
        anchor = self._anchor() if keep_anchor else None
        labels = self._labels()
        self._layout = _Layout(
            width, self._styles(), labels,
            min(MAX_AUTHOR_WIDTH, max([author_width(view, labels) for view in self.views] or [4])),
            self._marker_index())
        lines: list[Strip] = []
        owners: list[int] = []
        self._emit(0, lines, owners)
        if not self.views and self._loaded:
            lines.append(Strip.blank(width))
            lines.append(render_rule(self.empty_hint[0], width, self._layout.styles.dim))
            owners.extend([-1, -1])
            for hint in self.empty_hint[1:]:  # what a newcomer can do next, centred below
                text = hint[:width].center(width)
                lines.append(Strip([Segment(text, self._layout.styles.dim)], cell_len(text)))
                owners.append(-1)
        if len(self._cache) > 4 * MAX_BUFFER:
            self._cache.clear()
        self._lines, self._owners, self._width = lines, owners, width
        self._laid_out = list(self.views)
        self._set_virtual_size(Size(width, len(lines)))
        if self.tailing:
            self._scroll_end_soon()  # any relayout (a width change too) keeps the newest in view
        elif anchor is not None:
            anchor_id, offset = anchor
            for line, owner in enumerate(owners):
                if owner >= 0 and self.views[owner].id == anchor_id:
                    # At once, not after the refresh: a key pressed in between would scroll
                    # from the old offset over the new lines (and skip this), leaving the view
                    # near the top of a window that has just grown, fetching the next one.
                    self._place(line - offset)
                    break
        self.refresh()

    def _emit(self, start: int, lines: list[Strip], owners: list[int]) -> None:
        """Render views[start:] onto `lines` (with `owners`: the view of each line, -1 for rules)."""
        layout = self._layout
        previous_day = day_of(self.views[start - 1].created_at) if start > 0 else None
        for index in range(start, len(self.views)):
            view = self.views[index]
            day = day_of(view.created_at)
            if day != previous_day:
                lines.append(render_rule(day_label(view.created_at), layout.width,
                                         layout.styles.separator))
                owners.append(-1)
                previous_day = day
            if index == layout.marker_at:
                lines.append(render_rule("new messages", layout.width, layout.styles.marker))
                owners.append(-1)
            label = layout.labels[view.author_id + view.display_author]
            key = (view, label, layout.author_width, layout.width, view.id == self.highlight_id)
            strips = self._cache.get(key)
            if strips is None:
                strips = render_message(view, label, layout.author_width, layout.width,
                                        self.app.console, layout.styles)
                if view.id == self.highlight_id:
                    highlight = self.get_component_rich_style("message-log--highlight", partial=True)
                    strips = [strip.apply_style(highlight) for strip in strips]
                self._cache[key] = strips
            lines.extend(strips)
            owners.extend([index] * len(strips))

    def _append(self, start: int) -> bool:
        """Lay out only views[start:], new at the end: what a live message costs while the log
        follows. False where the rest would change too (a new handle clash or a wider author
        column, the "new messages" line, another width): then the caller lays out everything."""
        layout = self._layout
        width = self.scrollable_content_region.width or self.size.width or 80
        if layout is None or start == 0 or width != layout.width or width != self._width:
            return False
        if layout.marker_at is None and self._marker_index() is not None:
            return False
        if any(view.author_id + view.display_author not in layout.labels
               for view in self.views[start:]):
            labels = self._labels()
            if any(labels.get(key, label) != label for key, label in layout.labels.items()):
                return False  # a new name looks like one shown: both get a fingerprint
            for key, label in labels.items():
                if key not in layout.labels:
                    layout.labels[key] = label
        if any(min(MAX_AUTHOR_WIDTH, author_width(view, layout.labels)) > layout.author_width
               for view in self.views[start:]):
            return False
        self._emit(start, self._lines, self._owners)
        self._laid_out = list(self.views)
        self._set_virtual_size(Size(width, len(self._lines)))
        self._scroll_end_soon()
        self.refresh()
        return True

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

    def notify_style_update(self) -> None:
        self._base_style = self._style_set = None  # the theme or a pseudo-class changed
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if width != self._width and y == 0 and (self._lines or self.views or self._loaded):
            # The width changed (or the first paint): lay out now, so this very frame shows
            # the lines at their width, the newest in view, instead of the next one.
            self._relayout(keep_anchor=not self.following)
            if self.tailing:
                self.set_reactive(ScrollView.scroll_y, self.max_scroll_y)
                self.set_reactive(ScrollView.scroll_target_y, self.max_scroll_y)
                if self.show_vertical_scrollbar:
                    self.vertical_scrollbar.position = self.max_scroll_y
            self.call_after_refresh(self._maybe_load)  # set quietly: no watcher will ask
        index = int(self.scroll_y) + y
        if width != self._width and self._lines:
            if not self._relayout_due:  # once, however many lines are drawn before it runs
                self._relayout_due = True
                self.call_later(self._relayout, keep_anchor=not self.following)
        elif (y == 0 and self.tailing and self._lines
              and self.scroll_y < self.max_scroll_y):
            # Following means the newest line is in view: whatever layout change came between
            # (sizes settling at start-up, a scroll done before it), put it back.
            self._scroll_end_soon()
        # rich_style walks the ancestors' styles (0.1 ms): once per style, not once per line.
        base = self._base_style
        if base is None:
            base = self._base_style = self.rich_style
        if 0 <= index < len(self._lines):
            return self._lines[index].crop_extend(0, width, base)
        return Strip.blank(width, base)
