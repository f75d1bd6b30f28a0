"""PeersApp: builds the services from paths, watches the hub, pushes the first screen."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.worker import get_current_worker

from peers_tui.core.account import Account
from peers_tui.core.notifier import ChangeNotifier
from peers_tui.core.personal_store import GroupEntry
from peers_tui.core.presence import Presence
from peers_tui.messages import GroupsChanged
from peers_tui.outbox import Outbox
from peers_tui.screens import ChatScreen


def styles_dir() -> Path:
    """`styles/` beside the package in a checkout, or inside it in an installed wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "styles", here.parent / "styles"):
        if candidate.is_dir():
            return candidate
    return here.parent / "styles"


class PeersApp(App[None]):
    """The peers TUI."""

    CSS_PATH = [styles_dir() / "app.tcss"]
    TITLE = "peers"
    BINDINGS = [
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]
    WATCH_TIMEOUT = 0.1  # how often the idle watcher checks whether the app is closing

    def __init__(self, account: Account, entry: GroupEntry | None = None) -> None:
        super().__init__()
        self.account = account
        self.first_entry = entry
        self.outbox = Outbox(self, account)
        self.presence = Presence(account.paths.hub)

    def on_mount(self) -> None:
        self.presence.announce(self.account.user_id)
        entry = self.first_entry or self.account.last_group()
        self.account.set_last_group(entry.id)
        self.push_screen(ChatScreen(self.account, entry))
        self._watch_groups([(e.id, str(e.db_path)) for e in self.account.entries()])
        self._send_worker()

    def on_unmount(self) -> None:
        self.outbox.close()
        self.presence.withdraw()

    @work(thread=True, group="outbox", exit_on_error=False)
    def _send_worker(self) -> None:
        worker = get_current_worker()
        self.outbox.run(lambda: worker.is_cancelled)

    @work(thread=True, exclusive=True, group="live", exit_on_error=False)
    def _watch_groups(self, groups: list[tuple[str, str]]) -> None:
        """Report commits by any process to any listed group, until the app exits."""
        notifier = ChangeNotifier()
        for group_id, path in groups:
            notifier.watch(group_id, Path(path))
        worker = get_current_worker()
        try:
            while not worker.is_cancelled:
                changed = notifier.wait(timeout=self.WATCH_TIMEOUT)
                if changed:
                    self.call_from_thread(self._forward_changes, frozenset(changed))
        finally:
            notifier.close()

    def _forward_changes(self, group_ids: frozenset[str]) -> None:
        self.screen.post_message(GroupsChanged(group_ids))

    @work(thread=True, group="read-marker", exit_on_error=False)
    def mark_read(self, group_id: str, message_id: str) -> None:
        self.account.mark_read(group_id, message_id)
