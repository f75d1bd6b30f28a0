"""Widgets whose own lines are all alike, drawn as one line repeated (issue 16: a start is
measured against a bare Textual app painting one line).

Textual draws every line of a widget through its style cache, one by one, with a handful of
new Strips each (~40 µs a line on a quiet core). The chat screen's side panels draw only a
side border and their background on their own: the roster's text is its child's, and the
buffer list has no rows until the first counts arrive, after the first frame. Their 36 lines
of a 40-row terminal are then one line 36 times; drawn once and repeated, the first frame
costs ~2.5 ms less and looks the same (tests/tui/test_first_frame_widgets.py compares them
with Textual's own drawing). Anything that would make the lines differ (a top or bottom
border or outline, vertical padding, a hatch) draws them one by one as Textual does.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.css.styles import RenderStyles
from textual.geometry import Region
from textual.strip import Strip

NO_EDGE = ("", "none")


def alike(styles: RenderStyles) -> bool:
    """Whether lines of these styles differ only by their content."""
    top, _, bottom, _ = styles.border
    return (top[0] in NO_EDGE and bottom[0] in NO_EDGE
            and all(edge[0] in NO_EDGE for edge in styles.outline)
            and styles.padding.top == 0 and styles.padding.bottom == 0
            and (not styles.has_rule("hatch") or styles.hatch == "none"))


def alike_lines(styles: RenderStyles, crop: Region,
                render: Callable[[Region], list[Strip]]) -> list[Strip]:
    """`render(crop)` for a widget whose content is blank on every line of `crop`."""
    if crop.height < 2 or not alike(styles):
        return render(crop)
    return render(Region(crop.x, crop.y, crop.width, 1)) * crop.height
