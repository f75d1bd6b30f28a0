"""How a group is shown in lists: name, unread count (capped), mention mark, standing, and its
notify level — the same marks in the group list, the switcher, the buffer list and the topic
bar."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.content import Content

from peers_tui.core.states import NotifyLevel
from peers_tui.core.views import GroupSummary

UNREAD_CAP = 999

# The notify level, where it is not the default: (in lists with room, in the buffer list).
NOTIFY_BADGES = {NotifyLevel.MENTIONS: ("mentions only", "@only"),
                 NotifyLevel.MUTE: ("muted", "muted")}


def unread_label(count: int) -> str:
    return f"{UNREAD_CAP}+" if count > UNREAD_CAP else str(count)


def notify_badge(level: str, *, short: bool = False) -> str:
    """"mentions only", "muted", or "" for a group that tells of every message."""
    badges = NOTIFY_BADGES.get(NotifyLevel.read(level))
    return "" if badges is None else badges[short]


def quiet(summary: GroupSummary) -> bool:
    """Its unread messages do not call for the user: muted, or mentions only and none."""
    level = NotifyLevel.read(summary.notify)
    return level == NotifyLevel.MUTE or (level == NotifyLevel.MENTIONS and not summary.mentions)


def _index(text: Text, index: int | None) -> None:
    if index is not None:
        text.append(f"{index:>2} " if index < 10 else "   ", style="dim")  # Alt+1 … Alt+9


def _name_style(summary: GroupSummary) -> str:
    if summary.state != "active":
        return "dim strike" if summary.state in ("removed", "left") else "dim"
    return "bold" if summary.unread and not quiet(summary) else ""


def _standing(text: Text, summary: GroupSummary, count_width: int) -> None:
    """Why the group is quiet (left, removed, read-only), or its unread count and mention mark;
    the group list and the buffer list show the same marks."""
    if summary.state != "active":
        text.append(f" {summary.state}", style="dim italic")
    elif summary.read_only:
        text.append(" read-only", style="dim italic")
    elif summary.unread:
        text.append(f" {unread_label(summary.unread):>{count_width}}",
                    style="dim" if quiet(summary) else "bold")
        if summary.mentions and summary.notify != "mute":
            text.append(" @", style="bold reverse")


def group_text(summary: GroupSummary, index: int | None = None, *, width: int = 24) -> Text:
    """`1 name  12 @` with the standing when the user is not an active member; the name in a
    column of `width` cells, folded onto more lines when longer (never cut: it is what the
    user picks by), the marks beside its last line."""
    text = Text(no_wrap=True, overflow="ellipsis")
    _index(text, index)
    # shown_name'd, with the id's start if another name looks the same
    folded = [str(line) for line in Content(summary.label).wrap(width)] or [""]
    for number, line in enumerate(folded):
        if number:
            text.append("\n" + " " * (3 if index is not None else 0))
        text.append(line + " " * max(0, width - cell_len(line)), style=_name_style(summary))
    if summary.warning:
        text.append(" ⚠ history", style="bold red")
    _standing(text, summary, count_width=4)
    badge = notify_badge(summary.notify)
    if badge:
        text.append(f" {badge}", style="dim italic")
    return text


def buffer_row(summary: GroupSummary, index: int, width: int) -> Text:
    """The buffer list's line of a group, `width` cells: ` 1 name…   @only 12 @`, the marks
    at the right edge where the eye scans for activity."""
    tail = Text(no_wrap=True)
    badge = notify_badge(summary.notify, short=True)
    if badge:
        tail.append(f" {badge}", style="dim italic")
    if summary.warning:
        tail.append(" ⚠", style="bold red")
    _standing(tail, summary, count_width=0)
    tail.append(" ")
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    _index(text, index)
    room = max(1, width - text.cell_len - tail.cell_len)
    name = Text(summary.label, style=_name_style(summary), no_wrap=True, overflow="ellipsis")
    name.truncate(room, overflow="ellipsis", pad=True)
    text.append_text(name)
    text.append_text(tail)
    if summary.notify == "mute":
        text.stylize("dim")
    return text


def with_sync(rows: list[Text], syncs: list[str], room: int) -> list[Text]:
    """The group list's rows with their sync column (core.sync_column: `✓`, `3 unsent`,
    `relay not running, 3 unsent`) beside each row's last line, one column for all of them
    after the widest marks; a text longer than the `room` cells left is cut with `…` (the
    name and the counts before it never are: they are what the user picks by)."""
    ends = [cell_len(row.plain.rsplit("\n", 1)[-1]) for row in rows]
    at = max(ends, default=0) + 2
    shown = []
    for row, end, sync in zip(rows, ends, syncs):
        row = row.copy()
        if sync and room - at >= 2:
            column = Text(sync, style="green" if sync == "✓" else "yellow", no_wrap=True)
            column.truncate(room - at, overflow="ellipsis")
            row.append(" " * (at - end))
            row.append_text(column)
        shown.append(row)
    return shown
