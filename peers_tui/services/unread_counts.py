"""UnreadCounts: the user's groups' unread counts and standings, recounted at most every
SUMMARY_INTERVAL, and what follows from them: the bell on a new mention, the window title,
the chat's activity line, and SummariesUpdated for the screen on top.

One count runs at a time: what is asked for meanwhile is counted once it is merged. Two at
once, at start-up, each counted all 200 groups (the second, asked for one group, found none
counted yet): 1-2 s of CPU twice over, in the seconds the user starts typing.

A group whose history still arrives (a backfill after a join, core/frontier.py) commits a
page of 1,000 older messages every second or so. Those pages are history, not unread
(core/joined_history.py: a count passes over them by their rowid ranges); before that rule
each page was the newest thousand rows a count judged. Each page still wakes a whole recount
of the group (roster, pins, counts) for nothing new, so such a group is recounted every
BACKFILL_INTERVAL instead; each count is still a whole, fresh one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.worker import get_current_worker

from peers_tui.core.errors import PeersError
from peers_tui.core.names import shown_name
from peers_tui.core.views import GroupSummary, mark_twins
from peers_tui.messages import SummariesUpdated
from peers_tui.screens import ChatScreen
from peers_tui.widgets.group_label import unread_label
from peers_tui.core.states import NotifyLevel

if TYPE_CHECKING:
    from peers_tui.core.account import Account

SUMMARY_INTERVAL = 0.25  # seconds between two recounts of unread messages, at the least
BACKFILL_INTERVAL = 2.0  # seconds between two recounts of a group whose history still arrives
FRAME_WAIT = 0.25  # seconds a recount waits at most, between two groups, for a switch's frame


class UnreadCounts:
    """Counts in worker threads; merges and shows them on the UI thread."""

    # App[Any]: set_window_title() takes any app, whatever it returns.
    def __init__(self, app: App[Any], account: Account, chat: ChatScreen) -> None:
        self.app = app
        self.account = account
        self.chat = chat
        self.summaries: tuple[GroupSummary, ...] = ()
        self.window_title = ""
        self._counted_at: dict[str, float] = {}
        self._pending: set[str] = set()
        self._all = False
        self._due = False
        self._counting = False  # a count worker runs; the next one starts once it is merged
        self._counted_last = 0.0
        self._backfilling: set[str] = set()  # groups whose last count found a backfill going on
        self._later: set[str] = set()  # their commits since, counted at the next slow turn
        self._later_due = False
        self._unwritten: dict[str, str] = {}  # read markers to write once the frame is painted
        self._no_switch = threading.Event()  # clear while a switch waits for its frame
        self._no_switch.set()

    @property
    def busy(self) -> bool:
        """A recount or a read marker is due or still being written or counted."""
        return (self._due or self._later_due or bool(self._unwritten)
                or any(worker.group in ("summaries", "read-marker") and not worker.is_finished
                       for worker in self.app.workers))

    def recount(self, group_ids: frozenset[str] | None = None) -> None:
        """Recount the groups that changed (None: every group), at most every SUMMARY_INTERVAL.

        Counts are for the group list, the title and the bell; a busy group committing ten
        times a second must not make the app recount ten times a second.
        """
        if group_ids is None:
            self._all = True
        else:
            self._pending |= group_ids
        if not self._due:
            self._due = True
            if not self._counting:
                self._schedule()

    def _schedule(self) -> None:
        delay = self._counted_last + SUMMARY_INTERVAL - time.monotonic()
        if delay > 0:
            self.app.set_timer(delay, self._start, name="recount")
        else:
            self.app.call_later(self._start)

    def changed(self, group_ids: frozenset[str]) -> None:
        """Other processes committed to these groups."""
        if self.chat.following:
            # What the user is watching arrive is read: the read marker, written a second
            # later, recounts this group then (ChatScreen.flush_read).
            group_ids = group_ids - {self.chat.entry.id}
        slow = group_ids & self._backfilling
        if slow:
            self._later |= slow
            if not self._later_due:
                self._later_due = True
                self.app.set_timer(BACKFILL_INTERVAL, self._recount_later, name="backfill recount")
        if group_ids - slow or not self.summaries:
            # Nothing counted yet: the watcher's first report counts the groups not known
            # as well, the personal one too, even when it is the only group listed.
            self.recount(group_ids - slow)

    def _recount_later(self) -> None:
        group_ids, self._later, self._later_due = frozenset(self._later), set(), False
        self.recount(group_ids)

    def hold_for_frame(self, after_paint: Callable[[Callable[[], object]], None]) -> None:
        """A switch is under way: a recount running in its thread waits, between two groups,
        until the frame that shows the group opened is painted (`after_paint`: the log's), at
        most FRAME_WAIT. Both need the interpreter: the start-up recount of 200 groups, still
        running when the user switches at once, made the switch's frame wait for it (figure 1)."""
        self._no_switch.clear()
        after_paint(self._no_switch.set)
        self.app.set_timer(FRAME_WAIT, self._no_switch.set)  # a switch that paints nothing

    def _give_way(self) -> None:
        self._no_switch.wait(FRAME_WAIT)
        time.sleep(0)  # and let the event loop take the interpreter between two groups

    def mark_read_after_paint(self, group_id: str, message_id: str) -> None:
        """`mark_read`, once the next frame is painted: a switch writes the read marker of
        the group it leaves, and the worker writing it took the interpreter from the frame
        that shows the group opened (figure 1). Written at the end if the app ends first."""
        self._unwritten[group_id] = message_id
        self.app.call_after_refresh(self._write_after_paint, group_id, message_id)

    def _write_after_paint(self, group_id: str, message_id: str) -> None:
        if self._unwritten.get(group_id) == message_id:
            del self._unwritten[group_id]
            self.mark_read(group_id, message_id)

    def write_unwritten(self) -> None:
        """The app is ending: the read markers not yet handed to a worker, written now."""
        unwritten, self._unwritten = self._unwritten, {}
        for group_id, message_id in unwritten.items():
            try:
                self.account.mark_read(group_id, message_id)
            except PeersError as exc:
                self.app.log.warning(f"read marker not saved: {exc}")

    def mark_read(self, group_id: str, message_id: str) -> None:
        """Store the read marker (in a thread), then recount the group."""
        def write() -> None:
            self.account.mark_read(group_id, message_id)
            # Called, not posted: the recount is due before this worker counts as finished.
            self.app.call_from_thread(self.recount, frozenset({group_id}))
        self.app.run_worker(write, name="read marker", group="read-marker", thread=True,
                            exit_on_error=False)

    def _start(self) -> None:
        group_ids = None if self._all else frozenset(self._pending)
        self._due = False
        self._all, self._pending = False, set()
        self._counted_last = time.monotonic()
        self._counting = True
        self.app.run_worker(lambda: self._count(group_ids), name="unread counts",
                            group="summaries", thread=True, exit_on_error=False)

    def _count(self, group_ids: frozenset[str] | None) -> None:
        """Unread counts and standings, from capped count queries."""
        from peers_tui.core.summary_pass import count_groups  # after the first frame
        started = time.monotonic()
        worker = get_current_worker()
        order: list[str] = []
        fresh: dict[str, GroupSummary] | None = {}
        backfilling: set[str] = set()
        try:
            entries = self.account.entries()
            order = [e.id for e in entries]
            known = {s.id for s in self.summaries}
            fresh = count_groups(self.account, [
                e for e in entries if group_ids is None or e.id in group_ids or e.id not in known
            ], lambda: worker.is_cancelled, backfilling, self._give_way)
        finally:
            if fresh is not None:  # None: cancelled, the app is closing
                # Merged (or, on a failure, only marked done) on the UI thread, so that what
                # was asked for meanwhile is counted next.
                self.app.call_from_thread(self._ready, order, fresh or {}, started,
                                          backfilling)

    def _ready(self, order: list[str], fresh: dict[str, GroupSummary], started: float,
               backfilling: set[str]) -> None:
        self._counting = False
        if self._due:
            self._schedule()
        if order:
            self._merge(order, fresh, started, backfilling)

    def _merge(self, order: list[str], fresh: dict[str, GroupSummary], started: float,
               backfilling: set[str]) -> None:
        """Merge counts in, keeping for each group the one computed last: workers finish
        in any order, and an older count must not overwrite a newer one."""
        self._backfilling = (self._backfilling - set(fresh)) | set(backfilling)
        before = {s.id: s for s in self.summaries}
        merged = dict(before)
        for group_id, summary in fresh.items():
            if started >= self._counted_at.get(group_id, 0.0):
                merged[group_id] = summary
                self._counted_at[group_id] = started
        summaries = mark_twins(tuple(merged[i] for i in order if i in merged))
        self.summaries = summaries
        current = self.chat.entry.id
        for summary in summaries:
            old = before.get(summary.id)
            if (old is not None and summary.id != current and summary.notify != NotifyLevel.MUTE
                    and summary.mentions > old.mentions):
                self.app.bell()  # over SSH in tmux this flags the window
                self.app.notify(f"you were mentioned in {shown_name(summary.name)}", timeout=4)
        others = [s for s in summaries if s.id != current and s.notify != NotifyLevel.MUTE]
        unread = sum(s.unread for s in others)
        mentions = sum(s.mentions for s in others)
        self.window_title = f"peers ({unread_label(unread)})" if unread else "peers"
        from peers_tui.window_title import set_window_title  # counts come after the first frame

        set_window_title(self.app, self.window_title)
        activity = ""
        if unread:
            activity = f"{unread_label(unread)} unread" + (f", {mentions} @" if mentions else "")
            activity += " · Alt+A"
        self.chat.show_activity(activity)
        self.app.screen.post_message(SummariesUpdated(summaries))
        if self.app.screen is not self.chat:  # its buffer list shows under a dialog too
            self.chat.post_message(SummariesUpdated(summaries))

