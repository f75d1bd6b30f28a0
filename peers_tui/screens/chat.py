"""ChatScreen: a group's message log, its member roster and the composer, live."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.widget import Widget
from textual.worker import Worker

from peers_tui.commands.registry import chat_bindings
from peers_tui.core.errors import PeersError
from peers_tui.core.frozen import replace
from peers_tui.core.live_feed import LiveFeed
from peers_tui.core.names import shown_name
from peers_tui.core.group_entry import GroupEntry
from peers_tui.core.presence import Presence
from peers_tui.core.text import inert
from peers_tui.core.views import MessageView, group_label
from peers_tui.messages import MarkRead, MessageSent, SendFailed, SummariesUpdated
from peers_tui.screens.chat_bars import HiddenBars
from peers_tui.screens.chat_frame import ChatBody, ComposerRule, FirstKeys, width_class
from peers_tui.screens.composer_screen import first_line
from peers_tui.screens.chat_first_read import open_feed, show_first_roster
from peers_tui.screens.chat_hints import empty_hint, writing_hint
from peers_tui.screens.chat_overlays import compose_none, mount_overlays_after_first_paint
from peers_tui.screens.chat_selection import SelectionScreen
from peers_tui.screens.drafts import Drafts
from peers_tui.screens.read_tracker import ReadTracker
from peers_tui.widgets import MessageLog, RosterPanel
from peers_tui.widgets.buffer_list import MIN_TERMINAL_WIDTH, BufferList
from peers_tui.widgets.topic_bar import TopicBar
from peers_tui.worker_errors import pass_on_failure

if TYPE_CHECKING:
    from peers_tui.commands.slash import Standing
    from peers_tui.core.account import Account
    from peers_tui.core.group_store import GroupStore
    # Imported after the first frame (issue 16); their messages are handled by name
    # (on_roster_loaded...): `@on(RosterLoaded)` would import the module with this one.
    from peers_tui.widgets.composer import Composer
    from peers_tui.screens.chat_link import LinkWatch
    from peers_tui.screens.chat_live import LiveFailed, LiveLoaded
    from peers_tui.screens.chat_roster import RosterLoaded


class ChatScreen(SelectionScreen):
    """One group: what was said, who is in it, and where to say more."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide"), (120, "-widest")]
    AUTO_FOCUS = "#first-composer, #composer"  # "*" gave the log the first frame's focus
    BLANK = True  # covered by its children (screens.chat_frame)
    BINDINGS = chat_bindings()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        pass_on_failure(self, event)  # Worker.StateChanged does not bubble: tell the app

    def __init__(self, account: Account, entry: GroupEntry) -> None:
        super().__init__()
        self.account = account
        self.entry = entry
        self.store: GroupStore = account.store(entry)
        self.presence = Presence(account.paths.hub)
        self.feed: LiveFeed | None = None
        self.can_post = True
        self.standing: Standing = "active"  # the user's, as the roster last said
        # The breakpoint class the first resize would set, set now (screens.chat_frame).
        self.add_class(width_class(self.HORIZONTAL_BREAKPOINTS, self.app.size.width))
        self.drafts = Drafts(account)
        self.first_composer = first_line(self.drafts, entry.id)  # the composer's, or None
        self.message_log = MessageLog(id="log")
        self.topic_bar = TopicBar(id="topic-bar")
        self.buffer_list = BufferList(account.ui_state, id="buffer-list")  # from 120 columns
        self.bars = HiddenBars()  # mounted after the first paint (screens.chat_bars)
        self.topic: str | None = None
        self.membership: tuple[object, ...] = ()
        self.roster_reads = self.roster_shown = 0  # roster reads started; the last one shown
        self.reads = ReadTracker(self, lambda message_id: self.post_message(
            MarkRead(self.entry.id, message_id)))
        self.link: LinkWatch | None = None  # the relay's link: watched after the first frame

    def compose(self) -> ComposeResult:
        yield self.topic_bar
        with ChatBody(id="chat-body"):
            yield self.buffer_list
            yield self.message_log
            yield RosterPanel(self.presence, id="roster")
        yield ComposerRule(composer := self.first_composer or self.composer)
        yield composer
        yield FirstKeys()  # the footer's keys; the footer itself after the first frame

    def _extend_compose(self, widgets: list[Widget]) -> None:
        compose_none(widgets)  # Textual's toast rack and tooltip: after the first frame

    def on_mount(self) -> None:
        if not self.buffer_list.has_class("-off") and self.app.size.width >= MIN_TERMINAL_WIDTH:
            try:
                self.buffer_list.show_listed(self.account.listed())  # names now, counts later
            except PeersError:
                pass  # the first count says what is wrong
        self._open(self.entry)
        self.call_after_refresh(self.mount_composer)  # and the keys typed until then
        self.after_keys(self._watch_link)  # the relay's link, if any: after those keys
        self.bars.mount_after_first_paint(self, self.query_one("#chat-body"),
                                          self.query_one(ComposerRule))
        mount_overlays_after_first_paint(self)

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
        self.topic = None
        self.buffer_list.show_current(entry.id)
        try:
            self.label = self.account.label(entry)  # told apart from a group of the same name
        except PeersError:
            self.label = shown_name(entry.name)
        self.show_title()
        log = self.message_log
        # Where live updates start, the newest window and its people (the screen's first group
        # on plain sqlite3: screens.chat_first_read).
        feed, newest, people, members = open_feed(self.store, entry, log.first_window(),
                                                  first=self.feed is None)
        show_first_roster(self.query_one(RosterPanel), members, people, self.presence,
                          self.account.user_id)
        self.feed = feed
        log.empty_hint = empty_hint(entry, self.account, self.store, self.label, not newest)
        log.show(self.store, entry.read_marker, self.account.user_id, newest, people)
        self.can_post, self.standing = True, "active"
        self.open_composer(writing_hint(self.label), self.drafts.draft(entry.id))
        self.call_after_refresh(self.refresh_roster)  # its worker would slow the first paint
        if self.link is not None:
            self.link.group_opened()

    def _watch_link(self) -> None:
        from peers_tui.screens.chat_link import LinkWatch
        self.link = LinkWatch(self, self.account.paths.hub, lambda: self.entry.id)
        self.link.start()

    @property
    def following(self) -> bool:
        """The log shows the newest messages and keeps them in view as more arrive."""
        return self.message_log.is_mounted and self.message_log.tailing

    def log_views(self) -> list[MessageView]:
        return list(self.message_log.views)

    def show_activity(self, text: str) -> None:
        """What is happening in the other groups, at the right of the topic bar."""
        self.topic_bar.show_activity(text)

    def show_title(self) -> None:
        self.topic_bar.show(self.label, self.entry.notify, self.topic)

    def open_search(self, query: str = "") -> None:
        from peers_tui.screens.search import SearchScreen  # dialogs: loaded when first used

        def jump(message_id: str | None) -> None:
            if message_id:
                self.message_log.jump_to(message_id)
        self.app.push_screen(SearchScreen(self.store, self.label, query,
                                          self.message_log.people), jump)

    def show_invites(self, entry: GroupEntry, code: str | None = None, terms: str = "") -> None:
        """The group's open invites (and the code just made, with its terms)."""
        from peers_tui.screens.invites import InvitesScreen
        self.app.push_screen(InvitesScreen(self.account, entry.id, entry.name, code, terms))

    def on_unmount(self) -> None:
        self.save_draft()
        if self.reads.pending is not None:  # the app is ending: write it now, not in a worker
            try:
                self.account.mark_read(self.entry.id, self.reads.pending[1])
            except PeersError as exc:
                self.log.warning(f"read marker not saved: {exc}")

    def save_draft(self) -> None:
        """Keep what was typed but not sent, and the input history (on leaving the screen)."""
        if self._composer is None:
            return  # nothing typed yet: the keys wait for the composer (widgets.first_composer)
        try:
            self.drafts.save(self.entry.id, self.composer.text, list(self.composer.sent_history))
        except PeersError as exc:
            self.log.warning(f"draft not saved: {exc}")

    # ----------------------------------------------------------------- roster
    def refresh_roster(self) -> None:
        """Read the roster again (members, topic, standing) in a worker; shown when back."""
        self.roster_reads += 1
        self._load_roster(self.entry, self.store, self.roster_reads)

    # Exclusive: a read not started yet is dropped. One that runs cannot be stopped, and may
    # come back after a later one: it is not shown then (the older membership over the newer).
    @work(thread=True, exclusive=True, group="chat-roster", exit_on_error=False)
    def _load_roster(self, entry: GroupEntry, store: GroupStore, number: int) -> None:
        from peers_tui.screens.chat_roster import read_roster
        try:
            self.post_message(read_roster(self.account, entry, store, self.presence, number))
        except PeersError as exc:
            self.app.call_from_thread(self.notify, inert(str(exc)), severity="error")

    def on_roster_loaded(self, event: RosterLoaded) -> None:
        if event.group_id != self.entry.id or event.number < self.roster_shown:
            return  # for a group the screen has since switched away from, or an older read
        self.roster_shown = event.number
        from peers_tui.screens.chat_roster_shown import show_roster  # read after the first frame
        show_roster(self, event, self.query_one(RosterPanel))

    @on(SummariesUpdated)
    def _summaries_updated(self, event: SummariesUpdated) -> None:
        """The title follows the notify level (/mute) and the name (a conversation follows
        the other's handle); the buffer list the counts (sent here under dialogs too)."""
        self.buffer_list.show_summaries(event.summaries)
        summary = next((s for s in event.summaries if s.id == self.entry.id), None)
        if summary and (summary.notify, summary.name) != (self.entry.notify, self.entry.name):
            self.entry = replace(self.entry, notify=summary.notify, name=summary.name)
            self.label = group_label(summary.name, summary.id, summary.twin)
            self.show_title()

    def read_feed(self, feed: LiveFeed) -> None:
        """Read what was committed to the open group (on the hub watcher's thread)."""
        from peers_tui.screens.chat_live import read_live
        feed.history_wanted = self.message_log.window.at_oldest  # else a backfill's pages: skipped
        message = read_live(feed)
        if message is not None:
            self.post_message(message)

    def on_live_loaded(self, event: LiveLoaded) -> None:
        batch = event.batch
        if batch.group_id != self.entry.id:
            return  # for a group the screen has since switched away from
        if batch.replaced:  # put back to an older copy, or another file moved in
            from peers_tui.screens.chat_live import reload_replaced
            return reload_replaced(self, batch.rewound)
        if batch.membership != self.membership or any(v.kind == "topic" for v in batch.views):
            self.refresh_roster()  # someone joined, left, changed role, or set the topic
        if self.link is not None:
            self.link.note_live(batch)  # late ones from another host, above the screen
        self.query_one(MessageLog).apply_live(batch.views)

    def on_live_failed(self, event: LiveFailed) -> None:
        if event.group_id == self.entry.id:
            self.notify(inert(event.reason), title="Could not read the group", severity="error")

    @on(MessageLog.ReadUpTo)
    def _read_up_to(self, event: MessageLog.ReadUpTo) -> None:
        self.reads.seen((event.rowid, event.message_id))

    def on_screen_resume(self) -> None:
        waiting = self.reads.take_waiting()
        if waiting is not None and self.following:
            self.post_message(MessageLog.ReadUpTo(self.message_log, waiting[1], waiting[0]))

    def flush_read(self) -> None:
        """Write the read marker now (it is written a second after the newest message shows)."""
        self.reads.flush()

    @on(MessageLog.UnseenChanged)
    def _unseen(self, event: MessageLog.UnseenChanged) -> None:
        self.bars.show_count(event.count)

    # ----------------------------------------------------------------- sending
    # screens.chat_sending: imported with the first submission, after the first frame.
    def on_composer_submitted(self, event: Composer.Submitted) -> None:  # by name: see above
        event.stop()  # handled: the app has nothing to do with it (a turn of its loop less)
        from peers_tui.screens import chat_sending
        chat_sending.submitted(self, event.text)

    def run_command(self, text: str) -> None:
        """Run a slash command (`/name args`) on this screen's group."""
        from peers_tui.screens import chat_sending
        chat_sending.run_command(self, text)

    @on(MessageSent)
    def _sent(self, event: MessageSent) -> None:
        self.show_sent(event.group_id, event.view)  # shown already when it came quickly (app)

    def show_sent(self, group_id: str, view: MessageView) -> None:
        if group_id == self.entry.id:
            from peers_tui.screens.chat_sending import show_sent
            show_sent(self.message_log, view)

    @on(SendFailed)
    def _send_failed(self, event: SendFailed) -> None:
        from peers_tui.screens import chat_sending
        chat_sending.send_failed(self, event)

    # ----------------------------------------------------------------- keys
    def action_page(self, pages: int) -> None:
        self.message_log.page(pages)

    def action_oldest(self) -> None:
        self.query_one(MessageLog).action_oldest()

    def action_newest(self) -> None:
        self.query_one(MessageLog).action_newest()

    def action_toggle_buffer_list(self) -> None:
        self.buffer_list.toggle()  # F3: the list of groups at the left, remembered

    def action_focus_composer(self) -> None:
        self.composer.focus()

    # Selection mode's commands: imported on the first key that asks (not before the first frame).
    def action_on_selection(self, action: str) -> None:
        from peers_tui.commands import selection_commands
        selection_commands.act(self, action)  # selection mode's keys (chat_selection.py)

    def action_edit_last(self) -> None:
        from peers_tui.commands import selection_commands
        selection_commands.edit_last(self)
