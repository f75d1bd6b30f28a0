"""What the app starts with: its style sheet, its first chat screen, and the connections it
keeps open on its own thread until the first screen is painted."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App

from peers_tui.core.errors import PeersError
from peers_tui.core.name_keys import keep_name_keys, save_name_keys
from peers_tui.core.missing_file import not_opened
from peers_tui.core.names import shown_name
from peers_tui.core.start_account import LaterStore, StartAccount
from peers_tui.core.verified_keep import keep_public_key, save_verified
from peers_tui.core.group_entry import GroupEntry
from peers_tui.core.text import inert
from peers_tui.key_order import after_keys
from peers_tui.screens import ChatScreen
from peers_tui.style_rules import keep_style_rules

if TYPE_CHECKING:
    import peewee

    from peers_tui.core.account import Account
    from peers_tui.core.group_store import GroupStore


def styles_dir() -> Path:
    """`styles/` beside the package in a checkout, or inside it in an installed wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "styles", here.parent / "styles"):
        if candidate.is_dir():
            return candidate
    return here.parent / "styles"


class StartupConnections:
    """Connections held open on the app's thread until its first paint.

    Start-up reads personal.db and the first group's file some ten times, each in a session
    of its own; a session opens a connection (six PRAGMAs), and closing the last connection
    to a file unlinks its -wal and -shm files (and checkpoints the WAL after a write). Held,
    the sessions nest in one connection per file. Released after the first paint, so that no
    connection of this thread outlives start-up (a file may be replaced later; an immutable
    snapshot of a read-only file must not go on being read)."""

    def __init__(self) -> None:
        self._held: list[peewee.ConnectionContext] = []

    def hold_account(self, account: Account) -> None:
        """personal.db's, unless the account reads it on plain sqlite3 until the first
        frame (core.start_account: then Peewee is not even loaded yet)."""
        if not (isinstance(account, StartAccount) and not account.loaded):
            self.hold(account.personal.db)

    def hold_store(self, store: GroupStore) -> None:
        """The group's, unless its store is opened after the first frame (LaterStore)."""
        if not isinstance(store, LaterStore):
            self.hold(store.db)

    def hold(self, db: peewee.Database) -> None:
        import peewee  # loaded with the store that holds `db`

        held = db.connection_context()
        try:
            held.__enter__()
        except (sqlite3.Error, peewee.PeeweeException, OSError):
            return  # each session opens its own and reports what is wrong
        self._held.append(held)

    def release(self) -> None:
        while self._held:  # the last held is the innermost: Peewee pops them in order
            self._held.pop().__exit__(None, None, None)


def open_first_group(app: App[None], account: Account, entry: GroupEntry | None) -> ChatScreen:
    """The group asked for, else the one opened last; a damaged group must not keep the app
    from starting, so then the personal group (and a notification)."""
    entry = entry or account.last_group()
    keep_name_keys(account.paths.home)  # the look-alike keys of the names seen before
    try:
        chat = ChatScreen(account, entry)
    except PeersError as exc:
        text, title = not_opened(shown_name(entry.name), exc)
        app.notify(inert(text), title=title, severity="error")
        entry = account.entries()[0]
        chat = ChatScreen(account, entry)
    return chat


class FirstPaintWork:
    """What the first paint need not wait for: remembering the group on screen as the last
    group (a write, with its syncs), the files kept for the next start, and `tasks` (the CLI's
    profile publishing). It runs once the screen has painted and the keys typed at it are in
    (key_order). An app that ends before that (closed at its first frame) still remembers its
    group as it ends (`at_exit`): the next start must open it."""

    def __init__(self, app: App[None], account: Account) -> None:
        self.app, self.account = app, account
        self.tasks: list[Callable[[], None]] = []
        # Work that must be done before any key typed at the first frame is handled (the CLI's
        # membership order: a change typed ahead on a leaf must go through the hub): in the
        # first paint's batch, as all of this was before key_order.after_keys.
        self.before_keys: list[Callable[[], None]] = []
        self.done = False  # the group remembered (by `run` or `at_exit`)
        self.tasks_ran = False

    def after_paint(self) -> None:
        """Asked for after the push of the first screen (an after-refresh callback belongs to
        the screen on top when it is taken)."""
        for task in self.before_keys:
            self.app.call_after_refresh(task)
        after_keys(self.app, self.run)

    def run(self) -> None:
        if self.done:
            return
        self.done = True
        for task in self.tasks:
            task()
        keep_for_next_start(self.app, self.account)
        self._remember()
        self.tasks_ran = True

    def at_exit(self) -> None:
        """As the app ends: the kept files again (see keep_for_next_start), and the last group
        if `run` has not run."""
        keep_for_next_start(self.app, self.account)
        if not self.done:
            self.done = True
            self._remember()

    def _remember(self) -> None:
        # The group on screen now, not the one opened first: a switch typed at the first
        # frame has saved its own group before this runs (services.navigation).
        chat = getattr(self.app, "chat", None)
        if not isinstance(chat, ChatScreen):
            return
        try:
            self.account.set_last_group(chat.entry.id)
        except PeersError as exc:  # a personal.db this process cannot write: the app still runs
            self.app.log.warning(f"last group not saved: {exc}")


def keep_for_next_start(app: App[None], account: Account) -> None:
    """What this start computed that the next one can take: the look-alike keys, the style
    rules, the signatures found valid and the user's public key (no-ops when nothing new
    was computed). Run after the first paint, and again
    as the app ends: an app hung up right after its first frame (a closed window, each of
    the benchmark's starts) ends before the tasks after that frame have run."""
    save_name_keys(account.paths.home)
    keep_style_rules(app.stylesheet)
    save_verified(account.paths.home)
    keep_public_key(account.paths.home, account.keypair)


