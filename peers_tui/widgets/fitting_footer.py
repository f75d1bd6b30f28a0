"""A footer that shows whole keys only: what does not fit is left out, never cut mid-word.

Textual's `Footer` lays its keys side by side and cuts the row at the right edge, behind the
palette's key: at 80 columns the group list's footer ended in "^k Go to group▏" and at 60 in
"esc ▏", the rest of a word or a key lost. Here the keys that do not fit are hidden whole,
from the right, but the help key stays: it is the one that tells about all the others.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

KEPT_ACTION = "help"  # shown whatever the width, as long as it fits alone


def fitting(widths: Sequence[int], kept: Sequence[bool], room: int) -> list[bool]:
    """Which of the keys of `widths` cells are shown in `room` cells: all when they fit;
    else the `kept` ones, and the others from the left while they fit beside them."""
    if sum(widths) <= room:
        return [True] * len(widths)
    left = room - sum(width for width, keep in zip(widths, kept) if keep)
    shown = []
    for width, keep in zip(widths, kept):
        fits = keep or width <= left
        if fits and not keep:
            left -= width
        if not keep and not fits:
            left = -1  # the keys after one left out are left out too: the order is kept
        shown.append(fits)
    return shown


def key_width(key: FooterKey) -> int:
    """The cells `key` takes in the footer's row: its text, padding, border and margin."""
    styles = key.styles
    return cell_len(key.render().plain) + styles.gutter.width + styles.margin.width


class FittingFooter(Footer):
    """Textual's Footer with the keys that do not fit hidden whole (fitting)."""

    def on_mount(self) -> None:
        super().on_mount()
        self.call_after_refresh(self.fit_keys)

    async def recompose(self) -> None:
        await super().recompose()
        self.fit_keys()

    def on_resize(self) -> None:
        self.fit_keys()

    def fit_keys(self) -> None:
        keys = [child for child in self.children if isinstance(child, FooterKey)]
        row = [key for key in keys if not key.has_class("-command-palette")]
        room = self.size.width - sum(key_width(key) for key in keys if key not in row)
        if not row or self.size.width <= 0:
            return
        shown = fitting([key_width(key) for key in row],
                        [key.action == KEPT_ACTION for key in row], room)
        for key, show in zip(row, shown):
            if key.display != show:
                key.display = show
