"""PeersApp: builds the services, watches the hub, owns the app-wide keys and group switching."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import App
from textual.command import CommandPalette
from textual.screen import Screen
from textual.worker import get_current_worker

from peers_tui.commands.registry import app_bindings
from peers_tui.config import load_config, save_config
from peers_tui.core.account import Account
from peers_tui.core.errors import AlreadyMember, PeersError
from peers_tui.core.live_feed import LiveFeed
from peers_tui.core.names import shown_name
from peers_tui.core.notifier import ChangeNotifier
from peers_tui.core.personal_store import GROUP_LIST_MARK, NOTIFY_LEVELS, GroupEntry
from peers_tui.core.presence import Presence
from peers_tui.core.text import inert
from peers_tui.core.views import GroupSummary, mark_twins
from peers_tui.messages import (CreateGroup, GroupListChanged, GroupsChanged, JoinGroup,
                                LeaveGroup, MarkRead, MoveGroup, OpenGroup, RecountGroups,
                                SendMessage, SetNotify, SummariesUpdated)
from peers_tui.outbox import Outbox
from peers_tui.screens import ChatScreen
from peers_tui.terminal_keys import enable_alt_digits, enable_alt_enter
from peers_tui.window_title import set_window_title
from peers_tui.widgets.group_label import unread_label


HANGUP_GRACE = 2.0  # seconds a hung-up app may take to exit before it is ended
SUMMARY_INTERVAL = 0.25  # seconds between two recounts of unread messages, at the least
GROUP_LIST = "personal.db"  # the notifier's name for personal.db (group ids are 26 letters)


def styles_dir() -> Path:
    """`styles/` beside the package in a checkout, or inside it in an installed wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "styles", here.parent / "styles"):
        if candidate.is_dir():
            return candidate
    return here.parent / "styles"


def _palette_provider() -> type:
    # Loaded when the palette first opens: start-up only pays for what the first screen needs.
    from peers_tui.commands.palette import PeersCommands

    return PeersCommands


class PeersApp(App[None]):
    """The peers TUI."""

    CSS_PATH = [styles_dir() / "app.tcss"]
    TITLE = "peers"
    COMMANDS = App.COMMANDS | {_palette_provider}
    BINDINGS = app_bindings()  # from the key registry (commands/registry.py)

    def __init__(self, account: Account, entry: GroupEntry | None = None, *,
                 config_file: Path | None = None) -> None:
        enable_alt_digits()
        enable_alt_enter()
        super().__init__()
        self.account = account
        self.first_entry = entry
        self.config_file = config_file
        self.outbox = Outbox(self, account)
        self.presence = Presence(account.paths.hub)
        self.summaries: tuple[GroupSummary, ...] = ()
        self.chat: ChatScreen | None = None
        self.window_title = ""
        self._notifier: ChangeNotifier | None = None
        self._watched_ids: frozenset[str] = frozenset()
        self._counted_at: dict[str, float] = {}
        self._count_pending: set[str] = set()
        self._count_all = False
        self._count_due = False
        self._counted_last = 0.0

    def notify(self, message: str, *, title: str = "", severity: str = "information",  # type: ignore[override]
               timeout: float | None = None, markup: bool = False) -> None:
        """Every notification is plain text: they carry group names, handles and errors that
        quote what was typed, and markup in any of them (`[/]`) would crash the app. Widgets'
        and screens' notify() pass markup=True; it is ignored here, once for all."""
        super().notify(message, title=title, severity=severity, timeout=timeout,  # type: ignore[arg-type]
                       markup=False)

    # ----------------------------------------------------------------- life cycle
    def on_mount(self) -> None:
        config = load_config(self.config_file)
        if config.theme in self.available_themes:
            self.theme = config.theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.presence.announce(self.account.user_id)
        # An SSH hang-up ends the app the same way /quit does: drafts saved, presence dropped.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._hang_up)
        entry = self.first_entry or self.account.last_group()
        try:
            self.chat = ChatScreen(self.account, entry)
        except PeersError as exc:
            # A damaged group must not keep the app from starting: open the personal group.
            self.notify(inert(f"{shown_name(entry.name)}: {exc}"), title="Group damaged",
                        severity="error")
            entry = self.account.entries()[0]
            self.chat = ChatScreen(self.account, entry)
        self.account.set_last_group(entry.id)
        self.push_screen(self.chat)
        self._send_worker()
        # The watcher and the counts of every group start once the first screen is painted:
        # their threads would otherwise compete with it for the interpreter.
        self.call_after_refresh(self._start_background)

    def _start_background(self) -> None:
        # Everything built so far (Textual, the screens, the first window) lives as long as
        # the app: moved out of the collector's view, a full collection no longer walks it,
        # and no longer stalls a live message by tens of milliseconds.
        gc.freeze()
        gc.enable()  # paused for start-up by the launcher (peers_tui.launch)
        self._watch_groups([(e.id, str(e.db_path)) for e in self.account.entries()])

    def exit(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def, override]
        # Wake the idle threads first: they block until told, so nothing polls while idle.
        self._stop_threads()
        super().exit(*args, **kwargs)

    def _stop_threads(self) -> None:
        self.workers.cancel_all()  # thread workers see it at their next check
        self.outbox.close()
        if self._notifier is not None:
            self._notifier.interrupt()

    def on_unmount(self) -> None:
        self._stop_threads()
        self.presence.withdraw()

    def _hang_up(self) -> None:
        """The terminal is gone (SSH dropped, tmux pane killed): keep the draft and leave.

        Textual's orderly exit may block writing to a terminal that no longer exists, so
        what matters is saved first and a timer ends the process if the exit stalls.
        """
        if self.chat is not None:
            self.chat.save_draft()
        self.presence.withdraw()
        self.outbox.close()
        timer = threading.Timer(HANGUP_GRACE, os._exit, (0,))
        timer.daemon = True
        timer.start()
        self.exit()

    def _theme_changed(self, theme: object) -> None:
        config = load_config(self.config_file)
        config.theme = self.theme
        try:
            save_config(config, self.config_file)
        except OSError as exc:
            self.notify(f"theme not saved: {exc}", severity="warning")

    @property
    def current_id(self) -> str | None:
        return self.chat.entry.id if self.chat else None

    # ----------------------------------------------------------------- workers
    @work(thread=True, group="outbox", exit_on_error=False)
    def _send_worker(self) -> None:
        self.outbox.run()

    @work(thread=True, exclusive=True, group="live", exit_on_error=False)
    def _watch_groups(self, groups: list[tuple[str, str]]) -> None:
        """Report commits by any process to any listed group, until the app exits.

        Commits to the open group are read right here, on the thread the notifier woke: the
        new rows reach the log as one message, with no worker started and no hop through the
        event loop first (that hop, and the recounts queued beside it, cost 50-150 ms).
        """
        notifier = ChangeNotifier()
        worker = get_current_worker()
        self._watched_ids = frozenset(group_id for group_id, _ in groups)
        # personal.db too: a group created or joined elsewhere joins the list at once.
        notifier.watch(GROUP_LIST, self.account.personal.path, GROUP_LIST_MARK)
        for group_id, path in groups:
            if worker.is_cancelled:  # the app closed while hundreds of groups were looked at
                notifier.close()
                return
            notifier.watch(group_id, Path(path))
        if {entry.id for entry in self.account.entries()} != self._watched_ids:
            self.post_message(GroupListChanged())  # changed before the watcher looked
        previous, self._notifier = self._notifier, notifier
        if previous is not None:
            previous.interrupt()  # the watcher this one replaces (the list of groups changed)
        # Counts taken before the watcher looked could miss a commit made in between.
        self.post_message(GroupsChanged(frozenset(group_id for group_id, _ in groups)))
        read: LiveFeed | None = None  # the feed this thread keeps a connection open for
        try:
            chat = self.chat
            if chat is not None and chat.feed is not None:
                # The open group's feed starts where its first window was read, before this
                # watcher's first look (it starts after the first paint, or replaces one): a
                # commit in between changed no token this watcher will ever see move, and it
                # stayed off screen until the next message. Read it now, and let the file go
                # again: a connection kept open keeps its WAL in use, and a file that then
                # becomes read-only (chattr +i) would still take writes into that WAL.
                chat.read_feed(chat.feed)
                chat.feed.release()
            while not worker.is_cancelled and not notifier.interrupted:
                changed = notifier.wait()
                if GROUP_LIST in changed:
                    changed.discard(GROUP_LIST)
                    self.post_message(GroupListChanged())
                if not changed:
                    continue
                chat = self.chat
                feed = chat.feed if chat is not None else None
                if feed is not read and read is not None:
                    read.release()  # the user switched groups: let the old file go
                    read = None
                if chat is not None and feed is not None and feed.group_id in changed:
                    chat.read_feed(feed)
                    read = feed
                self.post_message(GroupsChanged(frozenset(changed)))
        finally:
            if read is not None:
                read.release()
            notifier.close()

    @on(GroupListChanged)
    def _group_list_changed(self) -> None:
        """Groups were added, renamed or reordered in personal.db by another process: watch
        the new ones and recount all (the list, the switcher and Alt+N follow the counts)."""
        try:
            entries = self.account.entries()
        except PeersError as exc:
            self.log.warning(f"group list not read: {exc}")
            return
        if frozenset(entry.id for entry in entries) != self._watched_ids:
            self._watch_groups([(e.id, str(e.db_path)) for e in entries])
        self.refresh_summaries()

    @on(GroupsChanged)
    def _groups_changed(self, event: GroupsChanged) -> None:
        group_ids = event.group_ids
        if self.chat is not None and self.chat.following:
            # What the user is watching arrive is read: the read marker, written a second
            # later, recounts this group then (ChatScreen.flush_read).
            group_ids = group_ids - {self.chat.entry.id}
        if group_ids:
            self.refresh_summaries(group_ids)

    def refresh_summaries(self, group_ids: frozenset[str] | None = None) -> None:
        """Recount the groups that changed (None: every group), at most every SUMMARY_INTERVAL.

        Counts are for the group list, the title and the bell; a busy group committing ten
        times a second must not make the app recount ten times a second.
        """
        if group_ids is None:
            self._count_all = True
        else:
            self._count_pending |= group_ids
        if not self._count_due:
            self._count_due = True
            delay = self._counted_last + SUMMARY_INTERVAL - time.monotonic()
            if delay > 0:
                self.set_timer(delay, self._start_count, name="recount")
            else:
                self.call_later(self._start_count)

    def _start_count(self) -> None:
        group_ids = None if self._count_all else frozenset(self._count_pending)
        self._count_due = False
        self._count_all, self._count_pending = False, set()
        self._counted_last = time.monotonic()
        self._count_summaries(group_ids)

    @work(thread=True, group="summaries", exit_on_error=False)
    def _count_summaries(self, group_ids: frozenset[str] | None) -> None:
        """Unread counts and standings, from capped count queries."""
        started = time.monotonic()
        worker = get_current_worker()
        entries = self.account.entries()
        known = {s.id: s for s in self.summaries}
        fresh = {}
        for entry in entries:
            if group_ids is None or entry.id in group_ids or entry.id not in known:
                if worker.is_cancelled:
                    return  # the app is closing: counting 200 groups must not hold it open
                fresh[entry.id] = self.account.summary(entry)
                time.sleep(0)  # let the event loop take the interpreter between two groups
        self.call_from_thread(self._summaries_ready, [e.id for e in entries], fresh, started)

    def _summaries_ready(self, order: list[str], fresh: dict[str, GroupSummary],
                         started: float) -> None:
        """Merge counts in, keeping for each group the one computed last: workers finish
        in any order, and an older count must not overwrite a newer one."""
        before = {s.id: s for s in self.summaries}
        merged = dict(before)
        for group_id, summary in fresh.items():
            if started >= self._counted_at.get(group_id, 0.0):
                merged[group_id] = summary
                self._counted_at[group_id] = started
        summaries = mark_twins(tuple(merged[i] for i in order if i in merged))
        self.summaries = summaries
        current = self.current_id
        for summary in summaries:
            old = before.get(summary.id)
            if (old is not None and summary.id != current and summary.notify != "mute"
                    and summary.mentions > old.mentions):
                self.bell()  # over SSH in tmux this flags the window
                self.notify(f"you were mentioned in {shown_name(summary.name)}",
                            timeout=4)
        others = [s for s in summaries if s.id != current and s.notify != "mute"]
        unread = sum(s.unread for s in others)
        mentions = sum(s.mentions for s in others)
        self.window_title = f"peers ({unread_label(unread)})" if unread else "peers"
        set_window_title(self, self.window_title)
        if self.chat is not None:
            activity = ""
            if unread:
                activity = f"{unread_label(unread)} unread" + (f", {mentions} @" if mentions else "")
                activity += " · Alt+A"
            self.chat.show_activity(activity)
        self.screen.post_message(SummariesUpdated(summaries))

    @work(thread=True, group="read-marker", exit_on_error=False)
    def mark_read(self, group_id: str, message_id: str) -> None:
        self.account.mark_read(group_id, message_id)
        self.call_from_thread(self.refresh_summaries, frozenset({group_id}))

    # ----------------------------------------------------------------- switching groups
    def open_group(self, group_id: str) -> None:
        """Show a group on the chat screen (closing the group list if it is open)."""
        try:
            entry = self.account.resolve(group_id)
        except PeersError as exc:
            self.notify(inert(str(exc)), severity="error")
            return
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if self.chat is None:
            return
        try:
            self.chat.show_group(entry)
        except PeersError as exc:
            self.notify(inert(f"{shown_name(entry.name)}: {exc}"), title="Group damaged",
                        severity="error")
            return
        # After the frame that shows the group: neither is needed to paint it.
        self.call_after_refresh(self._switched, entry.id)

    def _switched(self, group_id: str) -> None:
        try:
            self.account.set_last_group(group_id)
        except PeersError as exc:
            self.log.warning(f"last group not saved: {exc}")
        self.refresh_summaries(frozenset({group_id}))

    def group_added(self, entry: GroupEntry) -> None:
        self._watch_groups([(e.id, str(e.db_path)) for e in self.account.entries()])
        self.open_group(entry.id)

    def _ordered_ids(self) -> list[str]:
        return [s.id for s in self.summaries] or [e.id for e in self.account.entries()]

    def action_switch_index(self, index: int) -> None:
        ids = self._ordered_ids()
        if index < len(ids):
            self.open_group(ids[index])

    def action_switch_step(self, step: int) -> None:
        ids = self._ordered_ids()
        if self.current_id in ids:
            self.open_group(ids[(ids.index(self.current_id) + step) % len(ids)])

    def action_next_active(self) -> None:
        """The next group with mentions, else with unread messages, after the current one."""
        ids = self._ordered_ids()
        start = ids.index(self.current_id) + 1 if self.current_id in ids else 0
        ordered = [s for s in (self.summaries[start:] + self.summaries[:start])
                   if s.id != self.current_id and s.notify != "mute" and s.state == "active"]
        for wanted in (lambda s: s.mentions > 0, lambda s: s.unread > 0):
            for summary in ordered:
                if wanted(summary):
                    self.open_group(summary.id)
                    return
        self.notify("no other group has new messages")

    def action_switcher(self) -> None:
        from peers_tui.screens.switcher import GroupSwitcher

        def chosen(group_id: str | None) -> None:
            if group_id:
                self.open_group(group_id)
        self.show_dialog(GroupSwitcher, lambda: GroupSwitcher(self.summaries), chosen)

    def action_group_list(self) -> None:
        from peers_tui.screens.group_list import GroupListScreen

        self.show_dialog(GroupListScreen, lambda: GroupListScreen(self.summaries))

    def action_search(self) -> None:
        from peers_tui.screens.search import SearchScreen

        if self.chat is not None and not isinstance(self.screen, SearchScreen):
            self.close_dialogs()
            self.chat.open_search()

    def action_help(self) -> None:
        from peers_tui.screens.help import HelpScreen

        self.show_dialog(HelpScreen, HelpScreen)

    def action_command_palette(self) -> None:
        if not CommandPalette.is_open(self):
            self.close_dialogs()
        super().action_command_palette()

    def show_dialog(self, kind: type[Screen], make: Callable[[], Screen],
                    callback: Callable[[Any], None] | None = None) -> None:
        """One dialog at a time over the chat, so one Esc always leads back to it: the dialog
        already on top is kept (with what was typed in it), another one is replaced."""
        if isinstance(self.screen, kind):
            return
        self.close_dialogs()
        self.push_screen(make(), callback)

    def close_dialogs(self) -> None:
        """Back to the chat screen: every screen above it is closed (without a result)."""
        if self.chat is None or self.chat not in self.screen_stack:
            return
        while self.screen is not self.chat:
            self.pop_screen()

    # ----------------------------------------------------------------- group list actions
    def ask_create_group(self) -> None:
        from peers_tui.screens.prompt import PromptScreen

        def create(name: str | None) -> None:
            if name:
                self.post_message(CreateGroup(name))
        self.push_screen(PromptScreen("Name of the new group:"), create)

    def ask_join_group(self) -> None:
        from peers_tui.screens.prompt import PromptScreen

        def join(code: str | None) -> None:
            if code:
                self.post_message(JoinGroup(code))
        self.push_screen(PromptScreen("Invite code:", "peers1:…"), join)

    def leave_group(self, group_id: str) -> None:
        self._group_job(lambda: f"you left {shown_name(self.account.leave(group_id).name)}")

    def cycle_notify(self, group_id: str) -> None:
        def job() -> str:
            entry = self.account.resolve(group_id)
            level = NOTIFY_LEVELS[(NOTIFY_LEVELS.index(entry.notify) + 1) % len(NOTIFY_LEVELS)]
            self.account.set_notify(group_id, level)
            if self.chat is not None and self.chat.entry.id == group_id:
                self.chat.entry = self.account.resolve(group_id)
            return f"{shown_name(entry.name)}: notify {level}"
        self._group_job(job)

    def move_group(self, group_id: str, offset: int) -> None:
        self._group_job(lambda: self.account.move(group_id, offset))

    def _group_job(self, job) -> None:  # type: ignore[no-untyped-def]
        def run() -> None:
            try:
                message = job()
            except PeersError as exc:
                self.call_from_thread(self.notify, inert(str(exc)), severity="error")
                return
            if message:
                self.call_from_thread(self.notify, inert(message))
            self.call_from_thread(self.refresh_summaries)
        self.run_worker(run, thread=True, group="group-list", exit_on_error=False)

    @on(SummariesUpdated)
    def _ignore_own(self, event: SummariesUpdated) -> None:
        event.stop()

    # ----------------------------------------------------------------- requests (h-commands)
    # The request messages the chat screen, its slash commands and the palette post, handed
    # to the app's methods above until the app's own services take them over.
    @on(OpenGroup)
    def _open_requested(self, event: OpenGroup) -> None:
        self.open_group(event.group_id)

    @on(SendMessage)
    def _send_requested(self, event: SendMessage) -> None:
        self.outbox.put(event.group_id, event.text, event.kind, reply_to=event.reply_to)

    @on(MarkRead)
    def _mark_read_requested(self, event: MarkRead) -> None:
        self.mark_read(event.group_id, event.message_id)

    @on(RecountGroups)
    def _recount_requested(self, event: RecountGroups) -> None:
        self.refresh_summaries(event.group_ids)

    @on(LeaveGroup)
    def _leave_requested(self, event: LeaveGroup) -> None:
        self.leave_group(event.group_id)

    @on(MoveGroup)
    def _move_requested(self, event: MoveGroup) -> None:
        self.move_group(event.group_id, event.offset)

    @on(SetNotify)
    def _notify_requested(self, event: SetNotify) -> None:
        group_id, level = event.group_id, event.level
        if level is None:
            self.cycle_notify(group_id)
        else:
            self._group_job(lambda: f"{shown_name(self.account.set_notify(group_id, level).name)}"
                            f": notify {level}")

    @on(CreateGroup)
    def _create_requested(self, event: CreateGroup) -> None:
        name = event.name
        if name is None:
            self.ask_create_group()
        else:
            self._add_group(lambda: self.account.create_group(name), "created")

    @on(JoinGroup)
    def _join_requested(self, event: JoinGroup) -> None:
        code = event.code
        if code is None:
            self.ask_join_group()
        else:
            self._add_group(lambda: self.account.join(code), "joined")

    def _add_group(self, add: Callable[[], GroupEntry], done: str) -> None:
        """Create or join in the background; then watch the new group and open it."""
        def run() -> None:
            try:
                entry = add()
                message = f"{done} {shown_name(entry.name)}"
            except AlreadyMember as exc:  # nothing to join: open it all the same
                if not isinstance(exc.entry, GroupEntry):
                    return
                entry, message = exc.entry, str(exc)
            except PeersError as exc:
                self.call_from_thread(self.notify, inert(str(exc)), severity="error")
                return
            self.call_from_thread(self.notify, inert(message))
            self.call_from_thread(self.group_added, entry)
        self.run_worker(run, thread=True, group="slash", exit_on_error=False)
