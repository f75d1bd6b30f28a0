"""InvitationWatch: the invitations sent to the user by name (core.direct), told as they come.

The hub watcher reports a change of the user's inbox (`<hub>/.invitations/<user_id>/`, watched
by inotify with the groups: no timer); the inbox is then read in a worker, and each invitation
offered for the first time is told once ("alice invites you to team"), with where to answer it.
Refused ones (forged, or no longer valid) are never offered: `peers invitations` says why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import App

from peers_tui.core.errors import PeersError
from peers_tui.messages import InvitationsRead

if TYPE_CHECKING:
    from peers_tui.core.invitations import Invitation
    from peers_tui.core.account import Account


TOLD_ONE_BY_ONE = 3  # more new invitations in one read are told in one notice


class InvitationWatch:
    def __init__(self, app: App[None], account: Account) -> None:
        self.app = app
        self.account = account
        self.offered: list[Invitation] = []
        self._told: set[str] = set()  # ids already told of (once each)

    def changed(self) -> None:
        """The inbox changed (or the watcher took its first look): read it in a worker."""
        self.app.run_worker(self._read, name="invitations", group="invitations", thread=True,
                            exclusive=True, exit_on_error=False)

    def _read(self) -> None:
        from peers_tui.core.direct import pending  # sealing: loaded when first needed

        try:
            offered = [i for i in pending(self.account) if i.problem is None]
        except PeersError as exc:
            self.app.log.warning(f"invitations not read: {exc}")
            return
        self.app.post_message(InvitationsRead(offered))

    def read(self, event: InvitationsRead) -> None:
        """On the UI thread: tell the new ones, and refresh the list if it is shown."""
        from peers_tui.screens.invitations import InvitationsScreen, invitation_line

        self.offered = event.offered
        new = [i for i in event.offered if i.id not in self._told]
        self._told.update(i.id for i in new)
        if len(new) > TOLD_ONE_BY_ONE:  # a host sending many (up to 100 it may file) at once
            self.app.notify(f"{len(new)} new invitations: /invitations to see them",
                            title="Invitations", timeout=30)
            new = []
        for invitation in new:
            self.app.notify(invitation_line(invitation) + ": /invitations to accept or decline it",
                            title="Invitation", timeout=30)
        # The stack, not `app.screen`: a read that lands while the app is closing finds no
        # screen at all, and `app.screen` would raise.
        for screen in self.app.screen_stack[-1:]:
            if isinstance(screen, InvitationsScreen):
                screen.show(event.offered)

    def show(self) -> None:
        """The list of pending invitations over the chat (read afresh)."""
        from peers_tui.screens.invitations import InvitationsScreen  # a dialog: when first shown

        if not isinstance(self.app.screen, InvitationsScreen):
            self.app.push_screen(InvitationsScreen(self.account, self.offered))
        self.changed()
