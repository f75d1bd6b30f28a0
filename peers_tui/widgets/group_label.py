"""How a group is shown in lists: name, unread count (capped), mention mark, standing."""

from __future__ import annotations

from rich.text import Text

from peers_tui.core.views import GroupSummary

UNREAD_CAP = 999


def unread_label(count: int) -> str:
    return f"{UNREAD_CAP}+" if count > UNREAD_CAP else str(count)


def group_text(summary: GroupSummary, index: int | None = None, *, width: int = 24) -> Text:
    """One line: `1 name  12 @` with the standing when the user is not an active member."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if index is not None:
        text.append(f"{index:>2} " if index < 10 else "   ", style="dim")
    name = summary.label  # shown_name'd, with the id's start if another name looks the same
    style = "bold" if summary.unread and summary.notify != "mute" else ""
    if summary.state != "active":
        style = "dim strike" if summary.state in ("removed", "left") else "dim"
    text.append(name[:width].ljust(width), style=style)
    if summary.warning:
        text.append(" ⚠ history", style="bold red")
    if summary.state != "active":
        text.append(f" {summary.state}", style="dim italic")
    elif summary.read_only:
        text.append(" read-only", style="dim italic")
    elif summary.unread:
        text.append(f" {unread_label(summary.unread):>4}", style="dim" if summary.notify == "mute" else "bold")
        if summary.mentions and summary.notify != "mute":
            text.append(" @", style="bold reverse")
    if summary.notify == "mute":
        text.append(" muted", style="dim italic")
    return text
