"""ChatScreen: a group's message log, its member roster and the composer, live."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from peers_tui.core.account import Account
from peers_tui.core.errors import PeersError
from peers_tui.core.group_store import GroupStore
from peers_tui.core.personal_store import GroupEntry
from peers_tui.core.presence import Presence
from peers_tui.core.text import inert
from peers_tui.core.views import MemberView, MessageView
from peers_tui.messages import GroupsChanged, MessageSent, SendFailed
from peers_tui.widgets import Composer, MessageLog, RosterPanel

PRESENCE_POLL = 5.0
COMMANDS = ["/me"]


class ChatScreen(Screen[None]):
    """One group: what was said, who is in it, and where to say more."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("pageup", "page_up", "Older", show=False, priority=True),
        Binding("pagedown", "page_down", "Newer", show=False, priority=True),
        Binding("ctrl+home", "oldest", "Oldest", show=False, priority=True),
        Binding("ctrl+end", "newest", "Newest", show=False, priority=True),
        Binding("escape", "focus_composer", "Composer", show=False),
    ]

    @dataclass
    class RosterLoaded(Message):
        members: list[MemberView]
        present: set[str]
        topic: str | None
        role: str | None
        state: str

    @dataclass
    class LiveLoaded(Message):
        views: list[MessageView]
        position: int

    def __init__(self, account: Account, entry: GroupEntry) -> None:
        super().__init__()
        self.account = account
        self.entry = entry
        self.store: GroupStore = account.store(entry)
        self.presence = Presence(account.paths.hub)
        self.position = 0
        self._can_post = True
        self.composer = Composer(id="composer")

    def compose(self) -> ComposeResult:
        yield Static(id="topic-bar")
        with Horizontal(id="chat-body"):
            yield MessageLog(id="log")
            yield RosterPanel(id="roster")
        yield Static(id="unseen")
        yield self.composer
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#topic-bar", Static).update(self._title_text(None))
        log = self.query_one(MessageLog)
        log.show(self.store, self.entry.read_marker, self.account.user_id)
        composer = self.query_one(Composer)
        composer.commands = COMMANDS + list(getattr(self.app, "SLASH_COMMANDS", []))
        composer.sent_history = self.account.input_history()
        draft = self.account.draft(self.entry.id)
        if draft:
            composer.load_text(draft)
            composer.move_cursor(composer.document.end)
        composer.placeholder = f"Message {self.entry.name}  (Enter sends, Alt+Enter or Ctrl+J: new line)"
        composer.focus()
        self._start_position()
        self.refresh_roster()
        self.set_interval(PRESENCE_POLL, self.refresh_roster)

    def on_unmount(self) -> None:
        self.save_draft()

    def save_draft(self) -> None:
        """Keep what was typed but not sent, and the input history (on leaving the screen)."""
        try:
            self.account.save_draft(self.entry.id, self.composer.text)
            self.account.save_input_history(self.composer.sent_history)
        except PeersError as exc:
            self.log.warning(f"draft not saved: {exc}")

    # ----------------------------------------------------------------- loading
    def _title_text(self, topic: str | None) -> Text:
        text = Text()
        text.append(f" {inert(self.entry.name, allow_newlines=False)} ", style="bold")
        if topic:
            text.append("│ ", style="dim")
            text.append(inert(topic, allow_newlines=False))
        return text

    @work(thread=True, exclusive=True, group="chat-position", exit_on_error=False)
    def _start_position(self) -> None:
        self.position = self.store.last_rowid()

    @work(thread=True, exclusive=True, group="chat-roster", exit_on_error=False)
    def refresh_roster(self) -> None:
        try:
            roster = self.store.roster()
            members = self.store.members(include_former=False)
            present = self.presence.present([m.user_id for m in members])
            topic = self.store.topic()
        except PeersError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        me = roster.members.get(self.account.user_id)
        self.post_message(self.RosterLoaded(
            members, present, topic, me.role.label if me and me.state == "active" else None,
            me.state if me else "not a member"))

    @on(RosterLoaded)
    def _roster_loaded(self, event: RosterLoaded) -> None:
        self.query_one(RosterPanel).show(event.members, event.present)
        self.query_one(Composer).handles = [m.handle for m in event.members]
        self.query_one("#topic-bar", Static).update(self._title_text(event.topic))
        can_post = event.role in ("writer", "admin", "owner")
        if can_post != self._can_post:
            self._can_post = can_post
            composer = self.query_one(Composer)
            composer.read_only = not can_post
            composer.placeholder = f"Message {self.entry.name}" if can_post else (
                "You are a reader here" if event.role == "reader"
                else f"You cannot post here ({event.state})")

    @on(GroupsChanged)
    def _groups_changed(self, event: GroupsChanged) -> None:
        if self.entry.id in event.group_ids:
            self._fetch_live(self.position)
            self.refresh_roster()

    @work(thread=True, exclusive=False, group="chat-live", exit_on_error=False)
    def _fetch_live(self, position: int) -> None:
        try:
            views, new_position = self.store.since(position)
        except PeersError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.post_message(self.LiveLoaded(views, new_position))

    @on(LiveLoaded)
    def _live_loaded(self, event: LiveLoaded) -> None:
        if event.position <= self.position and not event.views:
            return
        self.position = max(self.position, event.position)
        log = self.query_one(MessageLog)
        log.apply_live(event.views)
        if log.following and log.newest_id:
            self.app.mark_read(self.entry.id, log.newest_id)  # type: ignore[attr-defined]

    @on(MessageLog.UnseenChanged)
    def _unseen(self, event: MessageLog.UnseenChanged) -> None:
        bar = self.query_one("#unseen", Static)
        bar.update(f" ↓ {event.count} new message{'s' if event.count != 1 else ''} (Ctrl+End)"
                   if event.count else "")
        bar.set_class(event.count > 0, "-visible")

    # ----------------------------------------------------------------- sending
    @on(Composer.Submitted)
    def _submitted(self, event: Composer.Submitted) -> None:
        text, kind = event.text, "text"
        if text.startswith("/me "):
            text, kind = text[4:], "action"
        elif text.startswith("/") and not text.startswith("//"):
            handled = getattr(self.app, "run_slash_command", None)
            if handled is None or not handled(self, text):
                self.notify(f"unknown command {text.split()[0]!r}", severity="warning")
            return
        elif text.startswith("//"):
            text = text[1:]
        self.app.outbox.put(self.entry.id, text, kind)  # type: ignore[attr-defined]

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
        self.notify(event.reason, title="Not sent", severity="error")
        composer = self.query_one(Composer)
        if not composer.text:
            composer.load_text(event.text)

    # ----------------------------------------------------------------- keys
    def action_page_up(self) -> None:
        self.query_one(MessageLog).scroll_page_up(animate=False)

    def action_page_down(self) -> None:
        self.query_one(MessageLog).scroll_page_down(animate=False)

    def action_oldest(self) -> None:
        self.query_one(MessageLog).action_oldest()

    def action_newest(self) -> None:
        self.query_one(MessageLog).action_newest()

    def action_focus_composer(self) -> None:
        self.query_one(Composer).focus()
