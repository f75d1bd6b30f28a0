"""InvitationsScreen: the invitations sent to the user by name, to accept or decline.

Only genuine ones are offered (core.invitations refuses forged or stale ones; `peers
invitations` says why). Accepting joins in a worker and opens the group (GroupAdded);
declining drops the invitation. The list is read again whenever the inbox changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker

from peers_tui.commands.registry import bindings, key_hints
from peers_tui.core.account import Account
from peers_tui.core.errors import PeersError
from peers_tui.core.names import shown_name
from peers_tui.core.text import inert
from peers_tui.messages import GroupAdded, InvitationsChanged
from peers_tui.worker_errors import pass_on_failure

if TYPE_CHECKING:
    from peers_tui.core.invitations import Invitation


def invitation_line(invitation: Invitation) -> str:
    """`alice invites you to team (as writer)`, every name made inert (Invitation.line)."""
    return invitation.line(shown_name)


class InvitationsScreen(ModalScreen[None]):
    BINDINGS = bindings("invitations")
    # As the other dialogs (styles/app.tcss); the box and list are styled like InvitesScreen's.
    DEFAULT_CSS = """
    InvitationsScreen {
        align: center middle;
        background: $background 60%;
    }
    """

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        pass_on_failure(self, event)  # Worker.StateChanged does not bubble: tell the app

    def __init__(self, account: Account, offered: list[Invitation] | None = None) -> None:
        super().__init__()
        self.account = account
        self.offered: list[Invitation] = list(offered or [])

    def compose(self) -> ComposeResult:
        with Vertical(id="invites-box"):
            yield Label(Text("Invitations to you", style="bold"))
            yield OptionList(id="invite-list")
            yield Label(Text(key_hints("invitations"), style="italic"), classes="-hints")

    def on_mount(self) -> None:
        self.show(self.offered)

    def show(self, offered: list[Invitation]) -> None:
        self.offered = offered
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        for invitation in offered:
            options.add_option(Option(Text(invitation_line(invitation)), id=invitation.id))
        if not offered:
            options.add_option(Option(Text("(none)", style="dim"), disabled=True))
        else:
            options.highlighted = min(highlighted or 0, len(offered) - 1)

    @on(OptionList.OptionSelected)
    def _selected(self) -> None:
        self.action_accept()  # Enter on the list (the list's own Enter comes first)

    def _chosen(self) -> Invitation | None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return None
        ident = options.get_option_at_index(options.highlighted).id
        return next((i for i in self.offered if i.id == ident), None)

    def action_accept(self) -> None:
        chosen = self._chosen()
        if chosen is not None:
            self._answer(chosen, accept=True)

    def action_decline(self) -> None:
        chosen = self._chosen()
        if chosen is not None:
            self._answer(chosen, accept=False)

    def _answer(self, invitation: Invitation, *, accept: bool) -> None:
        account, app = self.account, self.app
        line = invitation_line(invitation)

        def work() -> None:
            from peers_tui.core import direct  # sealing: loaded when first used

            try:
                if accept:
                    from peers_tui.relay.join_fetch import JoinFetch  # (as /join)

                    with JoinFetch(account.paths.hub) as fetched:
                        entry = direct.accept(account, invitation.id, fetched.fetch,
                                              fetched.invite_arrived)
                else:
                    direct.decline(account, invitation.id)
            except PeersError as exc:
                app.call_from_thread(app.notify, inert(str(exc)), severity="error")
                app.post_message(InvitationsChanged())
                return
            if accept:
                app.call_from_thread(self.dismiss, None)
                app.post_message(GroupAdded(entry))
            else:
                app.call_from_thread(app.notify, f"declined: {line}")
            app.post_message(InvitationsChanged())  # the list again, whatever the watcher saw
        # The app's worker: the screen is dismissed before the group is added.
        app.run_worker(work, thread=True, group="invitation-answer", exit_on_error=False)

    def action_dismiss_screen(self) -> None:
        self.dismiss(None)
