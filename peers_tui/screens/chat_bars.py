"""The chat screen's two bars that start hidden: the history warning above the log and the
count of new messages below it, mounted once the screen's first frame is on the terminal.

Both are `display: none` until something shows them (styles/app.tcss), so the first frame
looks the same without them; mounted before it, each is registered, styled and started as
a message pump of its own (~1.5 ms each of a start measured against a bare Textual app that
paints one line, issue 16). They are made (and their two modules imported) when mounted, or
when first asked for; until then what they are told is kept here (the last of each: every
call sets all that a bar shows), and told to them when they are made."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from textual.screen import Screen
from textual.widget import Widget

from peers_tui.key_order import after_keys

if TYPE_CHECKING:
    from peers_tui.widgets.history_banner import HistoryBanner
    from peers_tui.widgets.unseen_bar import UnseenBar

_UNTOLD = object()


class HiddenBars:
    def __init__(self) -> None:
        self._banner: HistoryBanner | None = None
        self._unseen: UnseenBar | None = None
        self._warning: object = _UNTOLD  # the last show_warning's, before the banner is made
        self._count: object = _UNTOLD  # the last show_count's, before the count is made

    @property
    def banner(self) -> HistoryBanner:
        if self._banner is None:
            from peers_tui.widgets.history_banner import HistoryBanner

            self._banner = HistoryBanner(id="history-warning")
            if self._warning is not _UNTOLD:
                self._banner.show_warning(self._warning)  # type: ignore[arg-type]
        return self._banner

    @property
    def unseen(self) -> UnseenBar:
        if self._unseen is None:
            from peers_tui.widgets.unseen_bar import UnseenBar

            self._unseen = UnseenBar(id="unseen")
            if self._count is not _UNTOLD:
                self._unseen.show_count(self._count)  # type: ignore[arg-type]
        return self._unseen

    def show_warning(self, warning: str | None) -> None:
        """The history warning (HistoryBanner.show_warning), now or once the banner is made."""
        if self._banner is None:
            self._warning = warning
        else:
            self._banner.show_warning(warning)

    def show_count(self, count: int) -> None:
        """The count of new messages below (UnseenBar.show_count), now or once it is made."""
        if self._unseen is None:
            self._count = count
        else:
            self._unseen.show_count(count)

    def mount_after_first_paint(self, screen: Screen[Any], above: Widget,
                                below: Widget) -> None:
        """Mount the banner above `above` (the log's row) and the count above `below` (the
        composer), once `screen` has painted and the keys typed at it are in (key_order):
        where the chat screen composed them before."""
        after_keys(screen.app, partial(self._mount, screen, above, below))

    def _mount(self, screen: Screen[Any], above: Widget, below: Widget) -> None:
        if not screen.is_attached or (self._banner is not None and self._banner.is_attached):
            return  # the app ended first, or they are in place
        screen.mount(self.banner, before=above)
        screen.mount(self.unseen, before=below)
