"""Dialogs: one screen at a time over the chat (group list, switcher, search, help), so one
Esc always leads back to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.screen import Screen

from peers_tui.core.views import GroupSummary
from peers_tui.messages import OpenGroup
from peers_tui.screens import ChatScreen

if TYPE_CHECKING:
    from peers_tui.core.stopped_unsent import StoppedUnsent


class Dialogs:
    def __init__(self, app: App[None], chat: ChatScreen) -> None:
        self.app = app
        self.chat = chat
        self.sync_counts: StoppedUnsent | None = None  # the group list's (group_list)

    def show(self, kind: type[Screen[Any]], make: Callable[[], Screen[Any]],
             callback: Callable[[Any], None] | None = None) -> None:
        """The dialog already on top is kept (with what was typed in it), another replaced."""
        if isinstance(self.app.screen, kind):
            return
        self.close_all()
        self.app.push_screen(make(), callback)

    def close_all(self) -> None:
        """Back to the chat screen: every screen above it is closed (without a result)."""
        if self.chat not in self.app.screen_stack:
            return
        while self.app.screen is not self.chat:
            self.app.pop_screen()

    def switcher(self, summaries: tuple[GroupSummary, ...]) -> None:
        from peers_tui.screens.switcher import GroupSwitcher

        def chosen(group_id: str | None) -> None:
            if group_id:
                self.app.post_message(OpenGroup(group_id))
        self.show(GroupSwitcher, lambda: GroupSwitcher(summaries), chosen)

    def group_list(self, summaries: tuple[GroupSummary, ...]) -> None:
        from peers_tui.core.stopped_unsent import StoppedUnsent
        from peers_tui.screens.group_list import GroupListScreen

        # Its sync column's counts of unsent records while the relay is stopped, kept from one
        # opening to the next: each file is counted again only when it moved (a first count
        # opens every group file: 60-150 ms of CPU for 200 groups).
        if self.sync_counts is None:
            self.sync_counts = StoppedUnsent()
        counts = self.sync_counts
        self.show(GroupListScreen, lambda: GroupListScreen(summaries, self.chat.account, counts))

    def search(self) -> None:
        from peers_tui.screens.search import SearchScreen

        if not isinstance(self.app.screen, SearchScreen):
            self.close_all()
            self.chat.open_search()

    def help(self) -> None:
        from peers_tui.screens.help import HelpScreen

        self.show(HelpScreen, HelpScreen)
