"""InvitesScreen: a group's invites in a dialog that stays until dismissed.

It shows the code just made (with its limits; c copies it again, over SSH too), lists every
invite that could still admit someone, and revokes the highlighted one after asking.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker

from peers_tui.commands.registry import bindings, key_hints
from peers_tui.core.account import Account
from peers_tui.core.errors import PeersError
from peers_tui.core.invite_list import InviteView
from peers_tui.core.names import shown_name
from peers_tui.core.text import inert
from peers_tui.screens.confirm import ConfirmScreen
from peers_tui.worker_errors import pass_on_failure


class InvitesScreen(ModalScreen[None]):
    BINDINGS = bindings("invites")

    @dataclass
    class Listed(Message):
        invites: list[InviteView]
        error: str | None = None

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        pass_on_failure(self, event)  # Worker.StateChanged does not bubble: tell the app

    def __init__(self, account: Account, group_id: str, group_name: str,
                 code: str | None = None, terms: str = "") -> None:
        super().__init__()
        self.account = account
        self.group_id = group_id
        self.group_name = group_name
        self.code = code
        self.terms = terms
        self.invites: list[InviteView] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="invites-box"):
            yield Label(Text(f"Invites to {shown_name(self.group_name)}",
                             style="bold"))
            if self.code:
                yield Label(Text(f"New invite ({self.terms}), copied to your clipboard:",
                                 style="dim"))
                yield Label(Text(self.code, style="bold", overflow="fold"), id="invite-code")
            yield Label(Text("Could still admit someone:", style="dim"))
            yield OptionList(id="invite-list")
            yield Label(Text(key_hints("invites"), style="italic"), classes="-hints")

    def on_mount(self) -> None:
        self.refresh_list()

    @work(thread=True, exclusive=True, group="invites")
    def refresh_list(self) -> None:
        try:
            self.post_message(self.Listed(self.account.invites(self.group_id)))
        except PeersError as exc:
            self.post_message(self.Listed([], str(exc)))

    @on(Listed)
    def _listed(self, event: Listed) -> None:
        self.invites = event.invites
        options = self.query_one(OptionList)
        options.clear_options()
        if event.error:
            options.add_option(Option(Text(inert(event.error), style="dim"), disabled=True))
            return
        for invite in event.invites:
            options.add_option(Option(Text(f"{invite.short_id}  {inert(invite.terms())}"),
                                      id=invite.key))
        if not event.invites:
            options.add_option(Option(Text("(none)", style="dim"), disabled=True))

    def action_copy(self) -> None:
        if self.code:
            self.app.copy_to_clipboard(self.code)
            self.notify("invite code copied to the clipboard")

    def action_revoke(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return
        key = options.get_option_at_index(options.highlighted).id
        chosen = next((i for i in self.invites if i.key == key), None)
        if chosen is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._revoke(chosen.key)
        self.app.push_screen(ConfirmScreen(f"Revoke invite {chosen.short_id}?", chosen.terms()),
                             answered)

    @work(thread=True, group="invites-revoke")
    def _revoke(self, key: str) -> None:
        from peers_tui.services.hub_order import after_the_hub

        try:  # lost the race at the federation's hub: done once more after its changes
            after_the_hub(self.account.paths.hub, lambda: self.account.revoke(self.group_id, key))
        except PeersError as exc:
            self.app.call_from_thread(self.notify, inert(str(exc)), severity="error")
            return
        self.app.call_from_thread(self.notify, f"revoked invite {key[:10]}")
        self.app.call_from_thread(self.refresh_list)

    def action_dismiss_screen(self) -> None:
        self.dismiss(None)
