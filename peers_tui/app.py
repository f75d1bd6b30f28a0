"""PeersApp: builds the services, shows the chat screen, owns the app-wide keys, and hands each
request message to the service that does the work (see peers_tui/messages.py)."""

from __future__ import annotations

import contextlib
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import RenderableType
from textual import events, on
from textual.app import App
from textual.command import CommandPalette
from textual.driver import Driver
from textual.screen import Screen
from textual.notifications import SeverityLevel
from textual.worker import Worker

from peers_tui import messages as m
from peers_tui.background import Background
from peers_tui.commands.registry import app_bindings
from peers_tui.component_styles import AppStylesheet
from peers_tui.core.group_entry import GroupEntry
from peers_tui.core.presence import Presence
from peers_tui.core.text import inert
from peers_tui.core.views import GroupSummary
from peers_tui.first_write import FirstWrite
from peers_tui.hangup import driver_class, on_hang_up
from peers_tui.key_order import KeyOrder
from peers_tui.terminal_keys import enable_alt_digits, enable_alt_enter
from peers_tui.screens import ChatScreen
from peers_tui.screens.mounted_styles import UnderScreen
from peers_tui.startup import (
    StartupConnections, FirstPaintWork, open_first_group, styles_dir,
)
from peers_tui.style_rules import rules_file
from peers_tui.theme_setting import keep_theme
from peers_tui.worker_errors import WorkerFailed, failure_of

if TYPE_CHECKING:
    from peers_tui.core.account import Account
    from peers_tui.dialogs import Dialogs
    from peers_tui.outbox import Outbox
    from peers_tui.services.group_list import GroupListService
    from peers_tui.services.held_handles import HeldHandles
    from peers_tui.services.hub_watch import HubWatcher
    from peers_tui.services.invitation_watch import InvitationWatch
    from peers_tui.services.navigation import GroupNavigator
    from peers_tui.services.unread_counts import UnreadCounts

# After Enter, the event loop waits (at most this long) for the outbox thread to commit the
# message before it paints (they share the interpreter lock: the send waited ~3 ms to start
# behind the composer's repaint). Once committed it is put in our own log at once, before the
# loop turns: the composer is cleared in the frame that shows it (h-ownecho).
SEND_FIRST_WAIT = 0.03


def _palette_provider() -> type:
    # Loaded when the palette first opens: start-up only pays for what the first screen needs.
    from peers_tui.commands.palette import PeersCommands

    return PeersCommands


class PeersApp(App[None]):
    """The peers TUI."""

    CSS_PATH = [styles_dir() / "app.tcss"]
    TITLE = "peers"
    COMMANDS = App.COMMANDS | {_palette_provider}
    # App keys are priority bindings, so the composer's own editing keys never swallow them.
    BINDINGS = app_bindings()  # from the key registry (commands/registry.py)

    # Built on mount (the services below, made with it, serve it).
    chat: ChatScreen

    def __init__(self, account: Account, entry: GroupEntry | None = None, *,
                 config_file: Path | None = None) -> None:
        enable_alt_digits()
        enable_alt_enter()
        super().__init__()
        # Rules parsed by an earlier start (style_rules); components styled when drawn.
        self.stylesheet = AppStylesheet(variables=self.stylesheet._variables,
                                        path=rules_file(styles_dir()))
        self.account, self.first_entry, self.config_file = account, entry, config_file
        self.startup_connections = StartupConnections()
        # Work for once the first screen has painted (the CLI adds its profile's publishing).
        self.first_paint_work = FirstPaintWork(self, account)
        self.background = Background(self, account.user_id, Presence(account.paths.hub))
        self.first_write = FirstWrite()  # the first frame out at once (first_write)
        self.typed_ahead = KeyOrder()  # keys held until the composer is mounted; then in order

    async def on_event(self, event: events.Event) -> None:
        if not self.typed_ahead.held(event):  # held: a key before the composer is in place
            await super().on_event(event)

    def _display(self, screen: Screen[object], renderable: RenderableType | None) -> None:
        super()._display(screen, renderable)
        self.first_write.displayed(self, screen, renderable)

    def get_default_screen(self) -> UnderScreen:
        # Under the chat screen, never shown: styled once, no toasts (screens.mounted_styles).
        return UnderScreen(id="_default")

    # Made on first use (a key, a switch, a dialog...) or, the watcher, the counts and the
    # outbox, once the first screen is painted (Background.start), after the chat screen they
    # serve: their modules are not imported before the first frame (issue 16).
    @cached_property
    def hub_watch(self) -> HubWatcher:
        from peers_tui.services.hub_watch import HubWatcher
        return HubWatcher(self, self.account, self.chat)

    @cached_property
    def unread(self) -> UnreadCounts:
        from peers_tui.services.unread_counts import UnreadCounts
        return UnreadCounts(self, self.account, self.chat)

    @cached_property
    def invitations(self) -> InvitationWatch:
        from peers_tui.services.invitation_watch import InvitationWatch
        return InvitationWatch(self, self.account)

    @cached_property
    def outbox(self) -> Outbox:
        """Our messages, stored in order by one thread (started after the first paint)."""
        from peers_tui.outbox import Outbox
        return Outbox(self.account)

    def _made(self, name: str) -> bool:
        """Whether the service `name` (a cached property above) has been made."""
        return name in self.__dict__

    @cached_property
    def navigator(self) -> GroupNavigator:
        from peers_tui.services.navigation import GroupNavigator
        return GroupNavigator(self, self.account, self.chat, self.unread)

    @cached_property
    def dialogs(self) -> Dialogs:
        from peers_tui.dialogs import Dialogs
        return Dialogs(self, self.chat)

    @cached_property
    def group_list(self) -> GroupListService:
        """The user's own changes to the list (create, join, leave...), on the first one."""
        from peers_tui.services.group_list import GroupListService
        return GroupListService(self, self.account)

    @cached_property
    def held_handles(self) -> HeldHandles:
        """A kept handle change signed again (relay.held_resign): at the watcher's first look."""
        from peers_tui.services.held_handles import HeldHandles
        return HeldHandles(self, self.account)

    @property
    def summaries(self) -> tuple[GroupSummary, ...]:
        return self.unread.summaries if self._made("unread") else ()

    @property
    def window_title(self) -> str:
        return self.unread.window_title if self._made("unread") else ""

    @property
    def is_idle(self) -> bool:
        """Caught up: the hub watched, its first report counted, no recount due or running."""
        return (self._made("hub_watch") and self.hub_watch.running and self._made("unread")
                and bool(self.unread.summaries) and not self.unread.busy)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Every notification is plain text: they carry group names, handles and errors that
        quote what was typed, and markup in any of them (`[/]`) would crash the app."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    # ----------------------------------------------------------------- life cycle
    def get_driver_class(self) -> type[Driver]:
        # Textual's Linux driver with a hang-up no order of signals undoes (peers_tui.hangup).
        return driver_class(super().get_driver_class())

    def on_mount(self) -> None:
        self.first_write.hasten()
        account = self.account
        self.startup_connections.hold_account(account)  # released after the first paint
        keep_theme(self, self.config_file)
        self.chat = open_first_group(self, account, self.first_entry)
        self.startup_connections.hold_store(self.chat.store)
        # An SSH hang-up ends the app the same way /quit does: drafts saved, presence dropped
        # (peers_tui.hangup: not through Textual's resume on the SIGCONT that comes with it).
        with contextlib.suppress(ValueError, AttributeError):  # not the main thread; Windows
            self.background.terminal = on_hang_up(self._driver, self.background.hang_up)
        # Pushed once Textual's start-up batch is over: pushed inside it, it was laid out and
        # drawn into a frame thrown away (nothing is written in a batch; ~25 ms of CPU).
        self.call_later(self._show_first_screen)

    async def _show_first_screen(self) -> None:
        await self.push_screen(self.chat)  # keys typed ahead: held (widgets.first_composer)
        self.background.shown(self.chat)  # the user's presence, before the roster's read
        # Each waits for the chat screen's first paint and the keys typed at it (key_order; asked
        # after the push: an after-refresh callback belongs to the screen on top when taken).
        self.first_paint_work.after_paint()
        self.typed_ahead.after_keys(self, self._start_background)
        self.typed_ahead.after_keys(self, self.startup_connections.release)

    def _start_background(self) -> bool:
        # The outbox's thread, the hub watcher and (at its first report) the counts.
        return self.background.start(self.chat, self.outbox, self.hub_watch)

    def exit(self, result: None = None, return_code: int = 0,
             message: RenderableType | None = None) -> None:
        self.background.wake_threads()
        super().exit(result, return_code, message)

    def on_unmount(self) -> None:
        self.startup_connections.release()  # an app that ends before its first paint
        self.first_write.restore()
        if self._made("unread"):
            self.unread.write_unwritten()
        self.first_paint_work.at_exit()  # the kept files, the last group: see its at_exit
        self.background.end()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker of the app's own that failed says so, once (see worker_errors)."""
        failure = failure_of(event)
        if failure is not None:
            self.post_message(failure)

    @on(WorkerFailed)
    def _worker_failed(self, event: WorkerFailed) -> None:
        """The one place a failed background job reaches the user, instead of vanishing."""
        self.notify(inert(event.line, allow_newlines=False), title=f"{event.name} failed",
                    severity="error")

    # ----------------------------------------------------------------- requests and notices
    def on_open_group(self, event: m.OpenGroup) -> None:
        self.navigator.open(event.group_id)

    def on_send_message(self, event: m.SendMessage) -> None:
        running = self._start_background()  # Enter at the first frame: started here, its
        sent = self.outbox.put(event.group_id, event.text, event.kind, event.reply_to)
        if not sent.wait(SEND_FIRST_WAIT if running else 0):  # thread at the loop's next turn
            self.chat.composer.sent()  # the message follows (MessageSent), or SendFailed
        elif sent.view is not None:  # refused at once: the text stays in the composer
            self.chat.composer.sent()  # in the frame showing the message in the log
            self.chat.show_sent(event.group_id, sent.view)

    def on_mark_read(self, event: m.MarkRead) -> None:
        self.unread.mark_read_after_paint(event.group_id, event.message_id)

    def on_recount_groups(self, event: m.RecountGroups) -> None:
        self.unread.recount(event.group_ids)

    def on_groups_changed(self, event: m.GroupsChanged) -> None:
        self.unread.changed(event.group_ids)

    def on_group_list_changed(self) -> None:
        """Added, renamed or reordered by another process: watch the new, recount all."""
        self.hub_watch.list_changed()
        self.unread.recount()

    @on(m.GroupListRequest)
    def _group_list_request(self, event: m.GroupListRequest) -> None:
        self.group_list.handle(event)  # create, join, leave, archive, notify level, order

    def on_group_added(self, event: m.GroupAdded) -> None:
        self.chat.refresh_roster()
        self.hub_watch.watch_all()
        self.navigator.open(event.entry.id)

    def on_group_updated(self, event: m.GroupUpdated) -> None:
        if event.entry is not None and event.entry.id == self.chat.entry.id:
            self.chat.entry = event.entry
        self.chat.refresh_roster()
        self.unread.recount()

    @on(m.InvitationsChanged)
    def _invitations_changed(self) -> None:
        self.invitations.changed()  # read the inbox again; new invitations are told

    @on(m.HeldChanged)
    def _held_changed(self) -> None:
        self.held_handles.changed()  # a handle change of ours refused as stale: signed again

    @on(m.InvitationsRead)
    def _invitations_read(self, event: m.InvitationsRead) -> None:
        self.invitations.read(event)

    @on(m.ShowInvitations)
    def _show_invitations(self) -> None:
        self.invitations.show()

    def on_summaries_updated(self, event: m.SummariesUpdated) -> None:
        event.stop()  # posted to the screen on top; bubbled back here

    # ----------------------------------------------------------------- app-wide keys
    def action_switch_index(self, index: int) -> None:
        self.navigator.to_index(index)

    def action_switch_step(self, step: int) -> None:
        self.navigator.step(step)

    def action_next_active(self) -> None:
        self.navigator.next_active()

    def action_switcher(self) -> None:
        self.dialogs.switcher(self.summaries)

    def action_group_list(self) -> None:
        self.dialogs.group_list(self.summaries)

    def action_search(self) -> None:
        self.dialogs.search()

    def action_help(self) -> None:
        self.dialogs.help()

    def action_command_palette(self) -> None:
        if not isinstance(self.screen, CommandPalette):
            self.dialogs.close_all()
        super().action_command_palette()
