"""LogScrollBar: the log's scrollbar, rendered again only when the bar it draws changes.

Every message that arrives while the log follows scrolls it and grows its history, and
Textual's scrollbar is rendered again at each change of its position or sizes: its whole
column through Rich, then styled line by line, the costliest part of painting a new message
(more than the log's own lines). Over a window of hundreds of lines, one line more moves the
thumb by a fraction of an eighth of a cell, so the bar drawn is nearly always the same. This
one computes the bar's cells (cheap: a list of segments) and, when they, its size and the
app's line filters are those it last painted, gives back the lines it painted then: the
same objects, which Textual's caches (cuts, escape sequences) find again. Its colours (the
styles, the mouse over it, a drag) are part of the cells, so a change of those paints anew.

When the thumb does move (a short log, a scroll), the bar is put together from the rows
Textual painted before, kept by the cell each shows: a bar has a score of different rows at
most (the track above and below the thumb, the thumb, the eighths at its ends), each painted
the same wherever it stands. A moved bar painted through Textual was a third of the
receiver's frame for a new message in figure 13 (29 of 40 such frames, cProfile, load 8),
more than the log's own new lines.
"""

from __future__ import annotations

from rich.color import Color
from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip

Drawn = tuple[Size, list[Segment]]


class LogScrollBar(ScrollBar):
    """A ScrollBar that paints the same bar from the lines it painted it with."""

    def __init__(self, vertical: bool = True, name: str | None = None, *,
                 thickness: int = 1) -> None:
        super().__init__(vertical=vertical, name=name, thickness=thickness)
        self._painted: tuple[object, Region, list[Strip]] | None = None
        # Rows painted by Textual, by the cell they show, for one size, filters and crop
        # width (`_rows_of`): a moved thumb is put together from them.
        self._rows_of: object = None
        self._rows: dict[Segment, Strip] = {}

    def _segments(self, bar: RenderableType) -> Drawn | None:
        """The cells `bar` draws at the bar's size (None: not a plain bar: always painted)."""
        if not isinstance(bar, ScrollBarRender) or not isinstance(bar.style, Style):
            return None
        style = bar.style
        size = self.size
        # As ScrollBarRender draws itself (its __rich_console__), at the widget's size.
        segments = bar.render_bar(
            size=size.height if self.vertical else size.width,
            virtual_size=bar.virtual_size, window_size=bar.window_size,
            position=bar.position, thickness=bar.thickness, vertical=bar.vertical,
            back_color=style.bgcolor or Color.parse("#555555"),
            bar_color=style.color or Color.parse("bright_magenta"))
        return size, list(segments.segments)

    def render_lines(self, crop: Region) -> list[Strip]:
        drawn = self._segments(self.render())
        look = None if drawn is None else (drawn, tuple(self.get_line_filters()))
        painted = self._painted
        if look is not None and painted is not None and painted[0] == look \
                and painted[1] == crop:
            return painted[2]  # the same bar: the same lines (Textual's caches find them)
        lines = self._from_rows(look, crop)
        if lines is None:
            lines = super().render_lines(crop)
            self._keep_rows(look, crop, lines)
        self._painted = None if look is None else (look, crop, lines)
        return lines

    def _rows_key(self, look: tuple[Drawn, tuple[object, ...]], crop: Region) -> object:
        (size, _), filters = look
        return size, filters, crop.x, crop.width

    def _from_rows(self, look: tuple[Drawn, tuple[object, ...]] | None,
                   crop: Region) -> list[Strip] | None:
        """The bar's lines put together from rows painted before (None: a row never painted
        at this size and with these filters, or not a plain vertical bar)."""
        if look is None or not self.vertical or self._rows_of != self._rows_key(look, crop):
            return None
        cells = look[0][1][crop.y:crop.bottom]
        rows = self._rows
        if len(cells) != crop.height or any(cell not in rows for cell in cells):
            return None
        return [rows[cell] for cell in cells]

    def _keep_rows(self, look: tuple[Drawn, tuple[object, ...]] | None, crop: Region,
                   lines: list[Strip]) -> None:
        """Remember each row Textual painted by the cell it draws there (a bar has a score of
        different rows: track above or below the thumb, thumb, the eighths at its ends)."""
        if look is None or not self.vertical:
            return
        key = self._rows_key(look, crop)
        if key != self._rows_of:
            self._rows_of, self._rows = key, {}
        cells = look[0][1][crop.y:crop.bottom]
        if len(cells) == len(lines):
            self._rows.update(zip(cells, lines))
