"""LinkWatch: the chat screen's view of the relay through `<hub>/.link.json` (core.link_state).

- the indicator at the right of the topic bar (`⇅ hub ✓ 2 ms`, `⇅ offline 1m12s · 5 unsent`);
- the reader's messages not yet at the hub, marked in the log (MessageLog.set_sent_up_to);
- "37 earlier messages arrived from hostB": late rows the live feed brings that sort above
  what is on screen, with the host the relay says they came from.

Nothing at all happens on a hub without a relay: no timer, no bar, no mark. With one, the
file is read when the relay renames a new one into place (inotify on the hub directory, its
descriptor read by the event loop itself: no thread, no polling), and a timer ticks once a
second for what no write announces (the offline time counting on screen, a relay that died
without a word); a tick is a stat of the file, read again only when the stat moved.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.screen import Screen
from textual.timer import Timer

from peers_tui.widgets.message_log import MessageLog
from peers_tui.widgets.topic_bar import TopicBar

if TYPE_CHECKING:
    from peers_tui.core.link_state import LinkState
    from peers_tui.core.stopped_unsent import StoppedUnsent
    from peers_tui.widgets.earlier_bar import EarlierBar
    from peers_tui.core.live_feed import LiveBatch

# core.link_state, core.link_words and the earlier-messages bar are imported by start(),
# which the chat screen calls after its first frame: no part of what start-up paints.

TICK = 1.0
NOTE_SECONDS = 60.0  # the note goes after this long even if its place was never scrolled to
MAX_LATE_IDS = 10_000
ARRIVAL_SLACK = 10.0


class LinkWatch:
    """Owned by the chat screen; `start()` once mounted, `group_opened()` after each switch,
    `note_live(views)` before live rows are merged into the log."""

    topic_bar: TopicBar  # set by start(), on a hub with a relay
    log: MessageLog

    def __init__(self, screen: Screen[Any], hub: Path, group_id: Callable[[], str]) -> None:
        self.screen = screen
        self.hub = hub
        account = getattr(screen, "account", None)  # the records the hub refused: this user's
        self.user: str | None = getattr(account, "user_id", None)
        self.group_id = group_id
        self.active = False
        self.state: LinkState | None = None
        self.token: tuple[int, int, int] | None = None
        self.timer: Timer | None = None
        self.bar: EarlierBar | None = None
        self.late_ids: list[str] = []  # sorted: the late messages the note counts
        self.late_count = 0
        self.noted_at = 0.0
        self.noted_since = 0.0  # wall time the note began: arrivals before it are others'
        self.note_hosts: list[str] = []  # found for this note: kept, the relay keeps few arrivals
        self.inotify: Any = None
        self.stored_up_to = 0  # the highest rowid the log has had: what is above it is new
        self.stopped: StoppedUnsent | None = None  # counts unsent while no relay runs
        self.stopped_count = 0  # its last count, shown
        self.silent = False  # its file stale, the relay holds its run lock (core.relay_lock)
        self.counting = False  # a count runs in a thread

    def start(self) -> None:
        from peers_tui.core.link_state import relay_configured
        if not relay_configured(self.hub):
            return  # one host: nothing to show, nothing to watch
        self.active = True
        self.topic_bar = self.screen.query_one(TopicBar)
        self.log = self.screen.query_one(MessageLog)
        self.stored_up_to = max((view.rowid for view in self.log.views), default=0)
        from peers_tui.widgets.earlier_bar import EarlierBar
        self.bar = EarlierBar(id="earlier", on_unmount=self.close, on_click=self.go_to_late)
        self.screen.mount(self.bar, before=self.screen.query_one("#chat-body"))
        self.tick()
        self.timer = self.screen.set_interval(TICK, self.tick)
        self._watch_file()

    def _watch_file(self) -> None:
        """Read the file as soon as the relay renames a new one into the hub."""
        try:
            from peers_tui.core.inotify import INotify, flags
        except ImportError:  # not Linux: the tick alone still shows it, a second later
            return
        try:
            self.inotify = INotify()
            self.inotify.add_watch(str(self.hub), flags.MOVED_TO)
            asyncio.get_running_loop().add_reader(self.inotify.fileno(), self._renamed)
        except OSError:
            self.close()

    def _renamed(self) -> None:
        try:
            events = self.inotify.read(timeout=0)
        except OSError:
            return
        from peers_tui.core.link_state import LINK_FILE
        if any(event.name == LINK_FILE for event in events):
            self.tick()

    def close(self) -> None:
        """Stop watching the file (the screen is going)."""
        inotify, self.inotify = self.inotify, None
        if inotify is not None:
            with contextlib.suppress(OSError, RuntimeError, ValueError):
                asyncio.get_running_loop().remove_reader(inotify.fileno())
            inotify.close()

    # ----------------------------------------------------------------- the file
    def _stat(self) -> tuple[int, int, int] | None:
        from peers_tui.core.link_state import link_path
        try:
            info = os.stat(link_path(self.hub))
        except OSError:
            return None
        return info.st_ino, info.st_mtime_ns, info.st_size

    def tick(self) -> None:
        from peers_tui.core.link_state import read_link_state
        token = self._stat()
        if token != self.token:
            self.token = token
            self.state = read_link_state(self.hub)
            self._show_marks()
            self._resolve_hosts()
        if self.state is None or not self.state.answers():  # the relay counts no more
            from peers_tui.core.relay_lock import lock_holder
            self.silent = lock_holder(self.hub) is not None  # an open and a flock: ~20 us
            self._count_stopped()
        else:
            self.stopped, self.stopped_count, self.silent = None, 0, False
        self._show_line()
        self._maybe_drop_note()

    def _show_line(self) -> None:
        """The indicator, its unsent the reader's own in the group shown (what the log marks),
        the host's beside them (core.link_words.unsent_words): no query, the relay's file
        says whose they are (GroupSync.unsent_by)."""
        from peers_tui.core.link_words import indicator
        self.topic_bar.show_link(indicator(self.state, True, stopped=self.stopped_count,
                                           user=self.user, silent=self.silent,
                                           group=self.group_id()))

    def _count_stopped(self) -> None:
        """Count what waits unsent with the relay stopped, in a thread: the first count of
        200 files took 60-150 ms, on the event loop until now (a tick after start)."""
        from peers_tui.core.stopped_unsent import StoppedUnsent
        if self.stopped is None:
            self.stopped = StoppedUnsent()
        if self.counting:
            return
        self.counting = True
        counter, state, app = self.stopped, self.state, self.screen.app

        def count() -> None:
            found: int | None = None
            try:
                found = counter.host(self.hub, state)
            finally:  # a count that failed lets the next tick count again
                app.call_from_thread(self._counted, counter, found)
        self.screen.run_worker(count, thread=True, group="stopped-count", exit_on_error=False)

    def _counted(self, counter: StoppedUnsent, found: int | None) -> None:
        self.counting = False
        if counter is self.stopped and found is not None and found != self.stopped_count:
            self.stopped_count = found
            self._show_line()

    def group_opened(self) -> None:
        """Another group is shown: its marks, and no note about the one before."""
        if not self.active:
            return
        self._show_marks()
        self._show_line()  # its unsent are the reader's in the group now shown
        self._set_note([], 0)
        self.stored_up_to = max((view.rowid for view in self.log.views), default=0)

    def _show_marks(self) -> None:
        sync = self.state.group(self.group_id()) if self.state is not None else None
        sent = sync.sent if sync is not None else None
        if sync is not None and sync.passed is not None:  # the hub's relay silent: stored
            sent = min(sync.sent, sync.passed)  # at its server is not yet at other hosts
        self.log.set_sent_up_to(sent, sync.refused_ids if sync is not None else (),
                                sync.void_ids if sync is not None else ())

    # ----------------------------------------------------------------- late arrivals
    def note_live(self, batch: LiveBatch) -> None:
        """Count the new messages that sort before the first message on screen: put in their
        place above, out of sight, they would go unnoticed. New: stored after what the log
        had (a message an edit or a reaction changed comes back with its old rowid)."""
        if not self.active:
            return
        stored_before = self.stored_up_to
        self.stored_up_to = max(stored_before, batch.position)
        top = self.log.line_layout.anchor(int(self.log.scroll_y))
        if top is None or not batch.views:
            return
        shown = {view.id for view in self.log.views}
        # History a join's backfill brings is no news (core.joined_history): no note for it.
        late = [view.id for view in batch.views if view.rowid > stored_before
                and view.id < top[0] and view.id not in shown and view.rowid not in batch.history]
        if not late:
            return
        ids = sorted(set(self.late_ids) | set(late))[-MAX_LATE_IDS:]
        self._set_note(ids, self.late_count + len(late))

    def go_to_late(self) -> None:
        """The note clicked: bring the oldest late message on screen, highlighted (PgUp may
        take several pages when many messages came after the cut)."""
        if self.late_ids:
            self.log.jump_to(self.late_ids[0])

    def _set_note(self, ids: list[str], count: int) -> None:
        if count and not self.late_count:
            self.noted_since = time.time()
        if not count:
            self.note_hosts = []
        self.late_ids, self.late_count = ids, count
        self.noted_at = time.monotonic()
        self._resolve_hosts()

    def _resolve_hosts(self) -> None:
        """The hosts the relay applied the late messages from (its arrivals, by id range);
        filled in when the relay's file catches up with the log."""
        if self.bar is None:
            return
        # The relay's file holds its last few arrivals only (link_state.MAX_ARRIVALS): on a
        # busy group the batch a note counts leaves it within seconds. A host found stays.
        hosts = self.note_hosts
        if self.late_ids and self.state is not None:
            group = self.group_id()
            for arrival in self.state.arrivals:
                # The relay applied them moments before the log got them (same host, same
                # clock); an older batch over the same ids belongs to an earlier note.
                if arrival.group != group or arrival.at < self.noted_since - ARRIVAL_SLACK:
                    continue
                at = bisect.bisect_left(self.late_ids, arrival.oldest)
                if (at < len(self.late_ids) and self.late_ids[at] <= arrival.newest
                        and arrival.host not in hosts):
                    hosts.append(arrival.host)
        self.bar.show_note(self.late_count, hosts)

    def _maybe_drop_note(self) -> None:
        """The note goes once the oldest late message is on screen, or after a while."""
        if not self.late_count:
            return
        line = self.log.line_layout.line_of(self.late_ids[0]) if self.late_ids else None
        top = int(self.log.scroll_y)
        seen = line is not None and top <= line < top + self.log.size.height
        if seen or time.monotonic() - self.noted_at > NOTE_SECONDS:
            self._set_note([], 0)
