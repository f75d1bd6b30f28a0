"""ChatScreen: a group's message log, its member roster and the composer, live."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static

from peers_tui.core.account import Account, membership_problems
from peers_tui.core.errors import PeersError
from peers_tui.core.group_store import GroupStore
from peers_tui.core.live_feed import LiveBatch, LiveFeed
from peers_tui.core.names import shown_name
from peers_tui.core.personal_store import GroupEntry
from peers_tui.core.presence import Presence
from peers_tui.core.text import inert
from peers_tui.paths import home_relative
from peers_tui.core.views import MemberView, MessageView
from peers_tui.commands.slash import COMMANDS
from peers_tui.messages import MarkRead, MessageSent, SendFailed, SendMessage
from peers_tui.widgets import Composer, MessageLog, RosterPanel

PRESENCE_POLL = 5.0
READ_MARK_DELAY = 1.0  # seconds: how often, at most, the read marker is written while following


class ChatScreen(Screen[None]):
    """One group: what was said, who is in it, and where to say more."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("pageup", "page_up", "Older", show=False, priority=True),
        Binding("pagedown", "page_down", "Newer", show=False, priority=True),
        Binding("ctrl+home", "oldest", "Oldest", show=False, priority=True),
        Binding("ctrl+end", "newest", "Newest", show=False, priority=True),
        Binding("escape", "focus_composer", "Composer", show=False),
        Binding("question_mark", "app.help", "Help", show=False),
    ]

    @dataclass
    class RosterLoaded(Message):
        group_id: str
        membership: tuple[object, ...]
        members: list[MemberView]
        present: set[str]
        topic: str | None
        role: str | None
        state: str
        warning: str | None = None  # history deleted, file rolled back, a forged change
        people: frozenset[tuple[str, str]] = frozenset()  # (id, handle) of all, former too

    @dataclass
    class LiveLoaded(Message):
        batch: LiveBatch

    @dataclass
    class LiveFailed(Message):
        group_id: str
        reason: str

    def __init__(self, account: Account, entry: GroupEntry) -> None:
        super().__init__()
        self.account = account
        self.entry = entry
        self.store: GroupStore = account.store(entry)
        self.presence = Presence(account.paths.hub)
        self.feed: LiveFeed | None = None
        self._can_post = True
        self.standing = "active"  # this user's state in the group, as the roster last said
        # The breakpoint class the first resize would set, set now: set then, it restyles
        # every widget once more before the first paint.
        width = self.app.size.width
        self.add_class(next((name for least, name in reversed(self.HORIZONTAL_BREAKPOINTS)
                             if width >= least), "-narrow"))
        self.composer = Composer(id="composer")
        self.message_log = MessageLog(id="log")
        self._activity = ""
        self._topic: str | None = None
        self._membership: tuple[object, ...] = ()
        self._read_upto: tuple[int, str] | None = None      # (rowid, id) of the last read
        self._read_when_back: tuple[int, str] | None = None
        self._draft_loaded = ""                 # the draft as stored: saved again only if changed
        self._history_saved: list[str] = []
        self._read_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="topic-bar")
        yield Static(id="history-warning")
        with Horizontal(id="chat-body"):
            yield self.message_log
            yield RosterPanel(id="roster")
        yield Static(id="unseen")
        yield self.composer
        yield Footer()

    def on_mount(self) -> None:
        self.composer.commands = [command.word for command in COMMANDS]
        self.composer.sent_history = self.account.input_history()
        self._history_saved = list(self.composer.sent_history)
        self._open(self.entry)
        self.set_interval(PRESENCE_POLL, self.refresh_presence)

    def show_group(self, entry: GroupEntry) -> None:
        """Point the screen at another group (its own store; nothing global is rebound)."""
        if entry.id == self.entry.id:
            return
        store = self.account.store(entry)  # raises before anything changes if it is damaged
        self.save_draft()
        self.flush_read()
        self.entry = entry
        self.store = store
        self._open(entry)

    def _open(self, entry: GroupEntry) -> None:
        self._topic = None
        try:
            self.label = self.account.label(entry)  # told apart from a group of the same name
        except PeersError:
            self.label = shown_name(entry.name)
        self.query_one("#topic-bar", Static).update(self._title_text(None))
        # Where live updates start: read before the first window, so a message committed while
        # the window loads shows up twice at worst (the log keeps one), never not at all.
        try:
            position = self.store.last_rowid()  # one indexed lookup, under a millisecond
        except PeersError:
            position = 0
        self.feed = LiveFeed(self.store, position)
        # The newest messages are read here, on the event loop, not in a worker: ~10 ms of
        # indexed reads that a worker took 25-40 ms to finish while the loop painted beside it
        # (they share one interpreter lock). Scrolling back still loads in workers.
        log = self.message_log
        log.empty_hint = self._empty_hint(entry)
        people: frozenset[tuple[str, str]] = frozenset()
        try:
            newest = self.store.recent(log.first_window())
            # The roster recent() just checked (memoized): look-alike names get fingerprints
            # in the very first frame, not once the roster worker is back.
            people = frozenset((m.user_id, m.handle)
                               for m in self.store.current_roster().members.values())
        except PeersError:
            newest = None  # the worker tries again and reports why it cannot read
        log.show(self.store, entry.read_marker, self.account.user_id, newest, people)
        composer = self.composer
        composer.cannot_post = None
        self._can_post = True
        self.standing = "active"
        self._draft_loaded = self.account.draft(entry.id)
        composer.load_text(self._draft_loaded)
        composer.move_cursor(composer.document.end)
        composer.placeholder = self._writing_hint()
        composer.focus()
        self.call_after_refresh(self.refresh_roster)  # its worker would slow the first paint

    def _writing_hint(self) -> Content:
        # Content, not a str: TextArea reads a str placeholder as markup (a group named
        # "x[/]" crashed the app); the label is already one inert line (core.names).
        return Content(f"Message {self.label}  (Enter sends, Alt+Enter or Ctrl+J: new line)")

    def _empty_hint(self, entry: GroupEntry) -> tuple[str, ...]:
        """What an empty group tells a newcomer to do next."""
        hub = inert(home_relative(self.account.paths.hub), allow_newlines=False)
        if entry.personal:
            return ("Your personal group: notes to yourself",
                    "/create NAME: a new group  ·  /join CODE: join one  ·  F1: help",
                    f"hub: {hub}",
                    "(others can join your groups only through a shared PEERS_HUB)")
        return ("No messages yet. Say hello below.",
                "/invite: a code for others to join  ·  F1: help")

    @property
    def following(self) -> bool:
        """The log shows the newest messages and keeps them in view as more arrive."""
        return self.message_log.is_mounted and self.message_log.tailing

    def log_views(self) -> list[MessageView]:
        return list(self.query_one(MessageLog).views)

    def show_activity(self, text: str) -> None:
        """What is happening in the other groups, at the right of the topic bar."""
        if text != self._activity:  # an update lays the screen out again: only on a change
            self._activity = text
            self.query_one("#topic-bar", Static).update(self._title_text(self._topic))

    def open_search(self, query: str = "") -> None:
        from peers_tui.screens.search import SearchScreen

        def jump(message_id: str | None) -> None:
            if message_id:
                self.query_one(MessageLog).jump_to(message_id)
        self.app.push_screen(SearchScreen(self.store, self.label, query), jump)

    def on_unmount(self) -> None:
        self.save_draft()
        if self._read_upto is not None:  # the app is ending: write it now, not in a worker
            try:
                self.account.mark_read(self.entry.id, self._read_upto[1])
            except PeersError as exc:
                self.log.warning(f"read marker not saved: {exc}")

    def save_draft(self) -> None:
        """Keep what was typed but not sent, and the input history (on leaving the screen).

        Each is written only if it changed: a switch should not cost two writes to
        personal.db before the next group can be shown."""
        text, history = self.composer.text, list(self.composer.sent_history)
        try:
            if text != self._draft_loaded:
                self.account.save_draft(self.entry.id, text)
                self._draft_loaded = text
            if history != self._history_saved:
                self.account.save_input_history(history)
                self._history_saved = history
        except PeersError as exc:
            self.log.warning(f"draft not saved: {exc}")

    # ----------------------------------------------------------------- loading
    def _title_text(self, topic: str | None) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {self.label} ", style="bold")
        if self.entry.notify == "mute":
            text.append("(muted) ", style="dim")
        if topic:
            text.append("│ ", style="dim")
            text.append(inert(topic, allow_newlines=False))
        activity = getattr(self, "_activity", "")
        if activity:
            width = self.size.width or 80
            pad = max(1, width - text.cell_len - len(activity) - 1)
            text.append(" " * pad)
            text.append(activity, style="bold")
        return text

    @work(thread=True, exclusive=True, group="chat-roster", exit_on_error=False)
    def refresh_roster(self) -> None:
        store = self.store
        try:
            membership = store.membership_mark()
            roster = store.current_roster()
            members = store.members(include_former=False)
            present = self.presence.present([m.user_id for m in members])
            topic = store.topic()
            warning = self._check_history(store)
        except PeersError as exc:
            self.app.call_from_thread(self.notify, inert(str(exc)), severity="error")
            return
        me = roster.members.get(self.account.user_id)
        read_only = store.read_only  # a read-only file or mount: nobody can post from here
        self.post_message(self.RosterLoaded(
            store.group_id, membership, members, present, topic,
            me.role.label if me and me.state == "active" and not read_only else None,
            f"read-only: {read_only}" if read_only else me.state if me else "not a member",
            warning, frozenset((m.user_id, m.handle) for m in roster.members.values())))

    def _check_history(self, store: GroupStore) -> str | None:
        """Compare the file with the heads this user verified before (on the worker's
        thread); pin the newest verified heads when nothing is amiss."""
        entry = self.entry
        problems = self.account.pin_problems(entry, store)
        if not problems:
            self.account.pin_read(entry, store, store.recent(40))
        problems += membership_problems(store.current_roster())
        return str(problems[0]) if problems else None

    @on(RosterLoaded)
    def _roster_loaded(self, event: RosterLoaded) -> None:
        if event.group_id != self.entry.id:
            return  # for a group the screen has since switched away from
        self._topic = event.topic
        self._membership = event.membership
        self.standing = event.state
        roster_panel = self.query_one(RosterPanel)
        roster_panel.people = event.people
        roster_panel.show(event.members, event.present)
        self.message_log.set_people(event.people)
        self.query_one(Composer).handles = [m.handle for m in event.members]
        self.query_one("#topic-bar", Static).update(self._title_text(event.topic))
        banner = self.query_one("#history-warning", Static)
        banner.set_class(event.warning is not None, "-visible")
        if event.warning is not None:
            # What happened first: a narrow terminal cuts the end of the line, not the news.
            warning = inert(event.warning, allow_newlines=False)
            lead = "History deleted" if "history deleted" in warning else "Not genuine"
            detail = warning.replace(" (history deleted)", "")
            banner.update(Text(f"⚠ {lead}: {detail}", no_wrap=True, overflow="ellipsis"))
        can_post = event.role in ("writer", "admin", "owner")
        if can_post != self._can_post:
            self._can_post = can_post
            composer = self.query_one(Composer)
            composer.cannot_post = None if can_post else self._cannot_post_reason(event)
            composer.placeholder = self._writing_hint() if can_post else Content(
                f"{composer.cannot_post} · commands such as /leave still work")
            if composer.cannot_post and composer.text:
                # The placeholder is hidden behind the draft: say it once, now.
                self.notify(composer.cannot_post, title="Cannot post", severity="warning")

    @staticmethod
    def _cannot_post_reason(event: RosterLoaded) -> str:
        if event.role == "reader":
            return "You are a reader here"
        if event.state == "removed":
            return "You cannot post here (removed: an admin removed you from this group)"
        return f"You cannot post here ({event.state})"

    @work(thread=True, exclusive=True, group="chat-presence", exit_on_error=False)
    def refresh_presence(self) -> None:
        """Who is here now: a lock test per member, no database reads."""
        roster = self.query_one(RosterPanel)
        members = list(roster._members)
        present = self.presence.present([m.user_id for m in members])
        if present != roster._present:
            self.app.call_from_thread(roster.show, members, present)

    def read_feed(self, feed: LiveFeed) -> None:
        """Read what was committed to the open group (on the hub watcher's thread)."""
        try:
            batch = feed.read()
        except PeersError as exc:
            self.post_message(self.LiveFailed(feed.group_id, str(exc)))
            return
        if batch.views or batch.membership != self._membership:
            self.post_message(self.LiveLoaded(batch))

    @on(LiveLoaded)
    def _live_loaded(self, event: LiveLoaded) -> None:
        batch = event.batch
        if batch.group_id != self.entry.id:
            return  # for a group the screen has since switched away from
        if batch.membership != self._membership or any(v.kind == "topic" for v in batch.views):
            self.refresh_roster()  # someone joined, left, changed role, or set the topic
        self.query_one(MessageLog).apply_live(batch.views)

    @on(LiveFailed)
    def _live_failed(self, event: LiveFailed) -> None:
        if event.group_id == self.entry.id:
            self.notify(inert(event.reason), title="Could not read the group", severity="error")

    @on(MessageLog.ReadUpTo)
    def _read_up_to(self, event: MessageLog.ReadUpTo) -> None:
        """The newest message is on screen: remember it as read, once a second at most, so a
        busy group does not write to personal.db at every message."""
        seen = (event.rowid, event.message_id)  # the later stored, not the higher id, wins
        if self.app.screen is not self:
            # Arrived under the group list, a search or help: not seen until the user is back.
            self._read_when_back = max(self._read_when_back or seen, seen)
            return
        self._read_upto = max(self._read_upto or seen, seen)
        if self._read_timer is None:
            self._read_timer = self.set_timer(READ_MARK_DELAY, self.flush_read)

    def on_screen_resume(self) -> None:
        waiting, self._read_when_back = self._read_when_back, None
        if waiting is not None and self.following:
            self.post_message(MessageLog.ReadUpTo(self.message_log, waiting[1], waiting[0]))

    def flush_read(self) -> None:
        if self._read_timer is not None:
            self._read_timer.stop()
            self._read_timer = None
        if self._read_upto is not None:
            group_id, (_, message_id), self._read_upto = self.entry.id, self._read_upto, None
            self.post_message(MarkRead(group_id, message_id))

    @on(MessageLog.UnseenChanged)
    def _unseen(self, event: MessageLog.UnseenChanged) -> None:
        bar = self.query_one("#unseen", Static)
        bar.update(f" ↓ {event.count} new message{'s' if event.count != 1 else ''} (Ctrl+End)"
                   if event.count else "")
        bar.set_class(event.count > 0, "-visible")

    # ----------------------------------------------------------------- sending
    @on(Composer.Submitted)
    def _submitted(self, event: Composer.Submitted) -> None:
        text = event.text
        if text.startswith("/") and not text.startswith("//"):
            self.app.slash.run(self, text)  # type: ignore[attr-defined]
            return
        if text.startswith("//"):
            text = text[1:]  # "//" sends a message that starts with a slash
        self.post_message(SendMessage(self.entry.id, text))

    @on(MessageSent)
    def _sent(self, event: MessageSent) -> None:
        if event.group_id == self.entry.id:
            log = self.query_one(MessageLog)
            if not log.at_newest:
                log.action_newest()
            log.following = True
            log.apply_live([event.view])

    @on(SendFailed)
    def _send_failed(self, event: SendFailed) -> None:
        self.notify(inert(event.reason), title="Not sent", severity="error")
        composer = self.query_one(Composer)
        if not composer.text:
            composer.load_text(event.text)
        self.refresh_roster()  # the group may have become read-only: say so in the composer

    # ----------------------------------------------------------------- keys
    def action_page_up(self) -> None:
        self.query_one(MessageLog).page(-1)

    def action_page_down(self) -> None:
        self.query_one(MessageLog).page(1)

    def action_oldest(self) -> None:
        self.query_one(MessageLog).action_oldest()

    def action_newest(self) -> None:
        self.query_one(MessageLog).action_newest()

    def action_focus_composer(self) -> None:
        self.query_one(Composer).focus()
