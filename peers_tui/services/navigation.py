"""GroupNavigator: which group the chat screen shows, and the keys that move between groups
(Alt+1..9, Alt+Up/Down, Alt+A) in the order of the group list."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING

from textual.app import App

from peers_tui.core.errors import PeersError
from peers_tui.core.names import shown_name
from peers_tui.core.missing_file import not_opened
from peers_tui.core.text import inert
from peers_tui.core.views import GroupSummary
from peers_tui.screens import ChatScreen
from peers_tui.services.unread_counts import UnreadCounts
from peers_tui.core.states import GroupState, NotifyLevel

if TYPE_CHECKING:
    from peers_tui.core.account import Account


class GroupNavigator:
    def __init__(self, app: App[None], account: Account, chat: ChatScreen,
                 counts: UnreadCounts) -> None:
        self.app = app
        self.account = account
        self.chat = chat
        self.counts = counts

    def open(self, group_id: str) -> None:
        """Show a group on the chat screen (closing the group list if it is open)."""
        if not self.app.is_running:
            # The app closes: a join's worker ending just then asked to open its group, and
            # the chat's widgets were already going (a CI: NoMatches for the RosterPanel).
            return
        from peers_tui.core.summary_pass import hold  # after the first frame
        # A recount under way waits for this switch's frame (services.unread_counts).
        self.counts.hold_for_frame(self.chat.message_log.after_next_paint)
        # One connection to each file for the whole switch: its dozen short sessions (the
        # entry, the draft, the window, the roster, ...) each opened and closed their own, six
        # PRAGMAs and the -wal/-shm files every time: half the switch's time on the event loop.
        with ExitStack() as held:
            hold(held, self.account.personal.db)
            self._open(group_id, held)

    def _open(self, group_id: str, held: ExitStack) -> None:
        from peers_tui.core.summary_pass import hold  # after the first frame
        try:
            entry = self.account.resolve(group_id)
        except PeersError as exc:
            self.app.notify(inert(str(exc)), severity="error")
            return
        while len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        try:
            hold(held, self.account.store(entry).db)
            self.chat.show_group(entry)
        except PeersError as exc:
            text, title = not_opened(shown_name(entry.name), exc)
            self.app.notify(inert(text), title=title, severity="error")
            return
        # After the frame that shows the group: neither is needed to paint it.
        self.app.call_after_refresh(self._switched, entry.id)

    def _switched(self, group_id: str) -> None:
        try:
            self.account.set_last_group(group_id)
        except PeersError as exc:
            self.app.log.warning(f"last group not saved: {exc}")
        self.counts.recount(frozenset({group_id}))

    def _ordered_ids(self) -> list[str]:
        return [s.id for s in self.counts.summaries] or [e.id for e in self.account.entries()]

    def to_index(self, index: int) -> None:
        ids = self._ordered_ids()
        if index < len(ids):
            self.open(ids[index])

    def step(self, step: int) -> None:
        ids = self._ordered_ids()
        current = self.chat.entry.id
        if current in ids:
            self.open(ids[(ids.index(current) + step) % len(ids)])

    def next_active(self) -> None:
        """The next group with mentions, else with unread messages, after the current one."""
        ids, current, summaries = self._ordered_ids(), self.chat.entry.id, self.counts.summaries
        start = ids.index(current) + 1 if current in ids else 0
        ordered = [s for s in (summaries[start:] + summaries[:start])
                   if s.id != current and s.notify != NotifyLevel.MUTE and s.state == GroupState.ACTIVE]
        wanted: tuple[Callable[[GroupSummary], bool], ...] = (lambda s: s.mentions > 0,
                                                               lambda s: s.unread > 0)
        for test in wanted:
            for summary in ordered:
                if test(summary):
                    self.open(summary.id)
                    return
        self.app.notify("no other group has new messages")
