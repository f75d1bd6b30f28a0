"""The chat screen's two bars that start hidden: the history warning above the log and the
count of new messages below it, mounted once the screen's first frame is on the terminal.

Both are `display: none` until something shows them (styles/app.tcss), so the first frame
looks the same without them; mounted before it, each is registered, styled and started as
a message pump of its own (~1.5 ms each of a start measured against a bare Textual app that
paints one line, issue 16). Until mounted they keep what they are told, and show it once
mounted (Textual's Static keeps its content and classes while unmounted)."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widget import Widget

from peers_tui.widgets.history_banner import HistoryBanner
from peers_tui.widgets.unseen_bar import UnseenBar


class HiddenBars:
    def __init__(self) -> None:
        self.banner = HistoryBanner(id="history-warning")
        self.unseen = UnseenBar(id="unseen")

    def mount_after_first_paint(self, screen: Screen[Any], above: Widget,
                                below: Widget) -> None:
        """Mount the banner above `above` (the log's row) and the count above `below` (the
        composer), once `screen` has painted: where the chat screen composed them before."""
        screen.call_after_refresh(self._mount, screen, above, below)

    def _mount(self, screen: Screen[Any], above: Widget, below: Widget) -> None:
        if not screen.is_attached or self.banner.is_attached:
            return  # the app ended first, or they are in place
        screen.mount(self.banner, before=above)
        screen.mount(self.unseen, before=below)
