"""PaintedLines: the log's lines as last painted, kept by the laid-out line each one shows.

While the log follows the newest message, every new message scrolls the view: each row on
screen now shows another line, so Textual's own cache (one painted line per row) is emptied
and every row is styled, filtered, cut between the widgets and turned into escape sequences
again, ~5 ms of CPU a message on the receiving screen. Yet the lines themselves did not
change, only their rows. Kept by line instead of by row, a painted line is the same object
frame after frame, and everything Textual caches on a line object (its filtered copy, its
division at the screen's cuts, its escape sequences) is found again: only the new message's
lines are styled and rendered.

A painted line depends on the drawn line and on how the log is painted around it: its size,
the part asked for, its colours and opacity, the app's line filters, and its styles (any
change to those reaches `notify_style_update`, which empties this). A log with a border,
padding or an outline (rows that are no drawn line) is painted the ordinary way.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

MAX_KEPT = 256  # painted lines kept (a few screens); beyond, only those on screen now stay


class PaintedLines:
    """Painted lines by the drawn line they show (by identity: a drawn line is immutable)."""

    def __init__(self) -> None:
        self._look: tuple[object, ...] | None = None
        self._painted: dict[int, tuple[Strip, Strip]] = {}  # id(drawn) -> (drawn, painted)

    def clear(self) -> None:
        self._look = None
        self._painted.clear()

    def render(self, widget: Widget, crop: Region, drawn_line: Callable[[int], Strip],
               paint: Callable[[Region], list[Strip]]) -> list[Strip]:
        """The rows of `crop`: painted lines kept where the row shows a drawn line painted
        before; the others painted by `paint` (Textual's own path), a run of rows at a time."""
        styles = widget.styles
        if any(styles.gutter) or any(edge[0] for edge in styles.outline):
            return paint(crop)  # rows of border, padding or outline: no drawn line to keep by
        hover = widget.hover_style
        if widget.auto_links and hover._link_id and hover._meta and "@click" in hover.meta:
            return paint(crop)  # a link under the mouse is styled over the painted lines
        look = (crop.x, crop.width, widget.size, widget.background_colors, widget.opacity,
                tuple(widget.get_line_filters()))
        if look != self._look:
            self._painted.clear()
            self._look = look
        painted = self._painted
        rows: list[Strip | None] = []
        drawn: list[Strip] = []
        for y in crop.line_range:
            line = drawn_line(y)
            drawn.append(line)
            kept = painted.get(id(line))
            rows.append(kept[1] if kept is not None and kept[0] is line else None)
        top = crop.y
        index = 0
        while index < len(rows):
            if rows[index] is not None:
                index += 1
                continue
            end = index
            while end < len(rows) and rows[end] is None:
                end += 1
            fresh = paint(Region(crop.x, top + index, crop.width, end - index))
            for offset, strip in enumerate(fresh):
                rows[index + offset] = strip
                line = drawn[index + offset]
                painted[id(line)] = (line, strip)
            index = end
        if len(painted) > MAX_KEPT:  # each keeps its own caches: hold a few screens, not all
            self._painted = {id(line): painted[id(line)] for line in drawn if id(line) in painted}
        return [row for row in rows if row is not None]
