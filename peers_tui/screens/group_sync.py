"""GroupSyncWatch: the group list's sync column (`✓`, `12 unsent`, `receiving 41%`, `relay not
running, 3 unsent`, `offline 1m`, `handle unsent`), the words `peers groups` prints, from the
same code (core.sync_column.sync_texts, with relay.held_peek.handle_changes).

Nothing is read on a host whose hubs have no relay set up (a stat of `<hub>/.relay` each):
no column, no thread, no timer. With one, the texts are read in a thread when the list opens
(the list shows at once, the column a moment later: with the relay stopped, the first count
of unsent records opens each group file, 60-150 ms for 200 groups) and again every TICK while
it is open, for what changes on its own: the relay's counts, the offline time, a relay that
stopped. A tick reads the link file and states each group file; the stopped count is kept
between ticks and openings (core.stopped_unsent), so a file is counted again only when it
moved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.screen import Screen

if TYPE_CHECKING:
    from textual.timer import Timer

    from peers_tui.core.account import Account
    from peers_tui.core.stopped_unsent import StoppedUnsent
    from peers_tui.core.views import GroupSummary

TICK = 1.0  # as the topic bar's indicator (screens.chat_link)


class GroupSyncWatch:
    """Owned by the group list; `start()` once mounted, `show` hears each group's text."""

    def __init__(self, screen: Screen[None], account: Account | None,
                 show: Callable[[dict[str, str]], None], counts: StoppedUnsent | None) -> None:
        self.screen = screen
        self.account = account
        self.show = show
        self.summaries: tuple[GroupSummary, ...] = ()
        self.active = False  # a hub of these groups has a relay: the column shows
        self.texts: dict[str, str] | None = None  # the last read (None: not read yet)
        self.counts = counts  # kept by the caller from one opening to the next
        self.reading = False  # a read runs in a thread
        self.timer: Timer | None = None

    def start(self, summaries: tuple[GroupSummary, ...]) -> bool:
        """Whether there is a column (a hub with a relay); reads it at once if so."""
        from peers_tui.core.sync_column import places, relay_hubs

        self.summaries = summaries
        if self.account is None or not relay_hubs(places(summaries)):
            return False  # one host: nothing to show, nothing read again
        from peers_tui.core.stopped_unsent import StoppedUnsent

        self.active = True
        if self.counts is None:
            self.counts = StoppedUnsent()
        self.read()
        self.timer = self.screen.set_interval(TICK, self.read, name="group sync")
        return True

    def regroup(self, summaries: tuple[GroupSummary, ...]) -> None:
        """Recounted groups (several times a second in a busy chat): read at once only when
        the groups listed changed (one joined, left, archived), else at the next tick."""
        before, self.summaries = self.summaries, summaries
        if self.active and [s.id for s in before] != [s.id for s in summaries]:
            self.read()

    def read(self) -> None:
        if self.reading or self.account is None:
            return  # a slow read (a loaded host) is not stacked with the next
        self.reading = True
        account, summaries, counts = self.account, self.summaries, self.counts
        app = self.screen.app

        def read() -> None:
            from peers_tui.core.sync_column import places, sync_texts
            from peers_tui.relay.held_peek import handle_changes  # plain os and json

            texts: dict[str, str] | None = None
            try:
                kept = handle_changes(places(summaries), account.user_id)
                found = sync_texts(account, summaries, kept, counts)
                texts = {group.id: text for group, text in zip(summaries, found)}
            finally:  # a read that failed lets the next tick read again
                app.call_from_thread(self._read, texts)
        self.screen.run_worker(read, thread=True, group="group-sync", exit_on_error=False)

    def _read(self, texts: dict[str, str] | None) -> None:
        self.reading = False
        if texts is not None and texts != self.texts:
            self.texts = texts
            self.show(texts)
