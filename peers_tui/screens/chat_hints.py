"""What the chat screen's composer and empty log say to the user, by the group's situation."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.content import Content

from peers_tui.core.errors import PeersError
from peers_tui.core.group_entry import GroupEntry
from peers_tui.core.text import inert
from peers_tui.paths import home_relative

if TYPE_CHECKING:
    from peers_tui.core.account import Account
    from peers_tui.core.group_store import GroupStore


def writing_hint(label: str) -> Content:
    """The composer's placeholder where the user can post.

    Content, not a str: TextArea reads a str placeholder as markup (a group named "x[/]"
    crashed the app); the label is already one inert line (core.names)."""
    return Content(f"Message {label}  (Enter sends, Alt+Enter or Ctrl+J: new line)")


def cannot_post_hint(reason: str, standing: str | None = None) -> Content:
    """The composer's placeholder where the user cannot post (a reader, removed, ...).
    Once they left or were removed (`standing`), /leave has nothing left to do ("there is
    nothing to leave"), so it offers what does: archiving the group out of the list."""
    if standing in ("left", "removed"):
        return Content(f"{reason} · archive it: Ctrl+G, a")
    return Content(f"{reason} · commands such as /leave still work")


def empty_hint(entry: GroupEntry, account: Account, store: GroupStore, label: str,
               empty: bool) -> tuple[str, ...]:
    """What an empty group (`empty`: no message in its newest window) tells a newcomer to
    do next; a direct conversation names the other person (`label`: how it is listed)
    rather than offering /invite, which is for groups."""
    if empty and not entry.personal and _is_direct(account, store):
        return ("No messages yet. Say hello below.",
                f"A direct conversation with {label}  ·  F1: help")
    return _group_hint(entry, account.paths.hub, account.paths.home)


def _is_direct(account: Account, store: GroupStore) -> bool:
    # Read only for an empty log: its genesis read is not on a big group's first frame.
    from peers_tui.core.conversation_names import partner_in

    try:
        return partner_in(account.user_id, store) is not None
    except PeersError:
        return False  # a damaged genesis: the log's worker says what is wrong


def _group_hint(entry: GroupEntry, hub: Path, home: Path) -> tuple[str, ...]:
    """What an empty group tells a newcomer to do next (`hub`: the hub's directory, `home`
    the user's: the hub is their own `<home>/groups` unless PEERS_HUB or --hub says)."""
    if entry.personal:
        # With a relay set up here (core.link_state.relay_configured: a stat, inlined) other
        # hosts join too: "only through a shared PEERS_HUB" told them they could not. A hub
        # of its own (PEERS_HUB set) was told the same, as if none were set (h-newuser).
        reach = ("(others join your groups on this hub, or from other hosts through its relay)"
                 if (hub / ".relay").is_dir() else
                 "(others can join your groups only through a shared PEERS_HUB)"
                 if hub == home / "groups" else
                 "(others who share this hub join a group of yours with a code from /invite)")
        return ("Your personal group: notes to yourself",
                "/create NAME: a new group  ·  /join CODE: join one  ·  F1: help",
                f"hub: {inert(home_relative(hub), allow_newlines=False)}", reach)
    return ("No messages yet. Say hello below.",
            "/invite: a code for others to join  ·  F1: help")
