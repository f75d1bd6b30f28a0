"""HeldHandles: a handle change of the user's, kept on this leaf host while the hub was
unreachable and then refused by the hub as stale (another change went first), is signed again
by the app (relay.held_resign): the relay holds no user's key, and without this the new
handle reached nobody until the user's next message in that group.

The hub watcher reports changes of the relay's held directory (watched by inotify with the
groups: no timer) and looks once at start; the signing runs in a worker (it asks the hub: up
to a second or so). A change that cannot be signed now is told, once for each reason, and
waits for the next look.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import App

from peers_tui.core.errors import PeersError

if TYPE_CHECKING:
    from peers_tui.core.account import Account


class HeldHandles:
    def __init__(self, app: App[None], account: Account) -> None:
        self.app = app
        self.account = account
        self._told: set[str] = set()

    def changed(self) -> None:
        """The held directory changed (or the watcher took its first look)."""
        self.app.run_worker(self._sign, name="handle change", group="held", thread=True,
                            exclusive=True, exit_on_error=False)

    def _sign(self) -> None:
        from peers_tui.relay.held_peek import any_to_sign  # plain os and json

        if not any_to_sign(str(self.account.paths.hub)):
            return  # most looks (our own kept changes come and go): nothing more is loaded
        from peers_tui.relay.held_resign import sign_again

        try:
            _, failed = sign_again(self.account)
        except PeersError as exc:
            failed = [str(exc)]
        for line in failed:
            if line not in self._told:
                self._told.add(line)
                self.app.call_from_thread(
                    self.app.notify, f"your handle change waits in {line}",
                    title="Handle", severity="warning", timeout=30)
