"""What the app starts with: its style sheet, its first chat screen, and the connections it
keeps open on its own thread until the first screen is painted."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import partial
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


def remember_after_paint(app: App[None], account: Account, group_id: str,
                         tasks: list[Callable[[], None]] | None = None) -> None:
    """Remember the group opened as the last group once the screen on top has painted (a
    write, with its syncs, that the first paint need not wait for) and the keys typed at it
    are in (key_order); then run `tasks`, the other work the first paint need not wait for
    (the CLI's profile publishing)."""
    after_keys(app, partial(_remember, app, account, group_id, tasks or []))


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


def _remember(app: App[None], account: Account, group_id: str,
              tasks: list[Callable[[], None]]) -> None:
    for task in tasks:
        task()
    keep_for_next_start(app, account)
    try:
        account.set_last_group(group_id)
    except PeersError as exc:  # a personal.db this process cannot write: the app still runs
        app.log.warning(f"last group not saved: {exc}")
