"""What the app starts with: its style sheet and its first chat screen."""

from __future__ import annotations

from pathlib import Path

from textual.app import App

from peers_tui.core.account import Account
from peers_tui.core.errors import PeersError
from peers_tui.core.names import shown_name
from peers_tui.core.personal_store import GroupEntry
from peers_tui.core.text import inert
from peers_tui.screens import ChatScreen


def styles_dir() -> Path:
    """`styles/` beside the package in a checkout, or inside it in an installed wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "styles", here.parent / "styles"):
        if candidate.is_dir():
            return candidate
    return here.parent / "styles"


def open_first_group(app: App[None], account: Account, entry: GroupEntry | None) -> ChatScreen:
    """The group asked for, else the one opened last; a damaged group must not keep the app
    from starting, so then the personal group (and a notification)."""
    entry = entry or account.last_group()
    try:
        chat = ChatScreen(account, entry)
    except PeersError as exc:
        app.notify(inert(f"{shown_name(entry.name)}: {exc}"), title="Group damaged",
                   severity="error")
        entry = account.entries()[0]
        chat = ChatScreen(account, entry)
    account.set_last_group(entry.id)
    return chat
