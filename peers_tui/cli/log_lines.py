"""How `peers log` prints what conversations added to the history: reactions under a
message, and membership events as compact lines in their place."""

from __future__ import annotations

from peers_tui.core.events import EventView
from peers_tui.core.names import shown_handle, shown_name
from peers_tui.core.text import inert
from peers_tui.core.reactions import summary
from peers_tui.core.times import local_minute
from peers_tui.core.views import MessageView, folded_changes

from peers_tui.cli.format import INDENT  # under the text of a message


def event_line(event: EventView) -> str:
    """"2026-11-30 10:02 -- bob joined as writer (invited by alice)"; a change that did not
    count is flagged, with what it claimed, so it never reads as an event."""
    when = local_minute(event.created_at)
    text = event.shown(shown_name)  # names are one inert line each (core.names)
    if not event.verified:
        return f"{when} [UNVERIFIED: {inert(str(event.problem), allow_newlines=False)}] -- {text}"
    return f"{when} -- {text}"


def reactions_line(message: MessageView) -> str | None:
    """"                 👍 2 🎉 1" under a message with reactions, else None."""
    shown = summary(message.reactions)
    return f"{INDENT}{shown}" if shown else None


def forged_lines(message: MessageView) -> list[str]:
    """The changes someone tried to make to a message that did not verify, under it: those
    of one kind, author and reason as one line with how many (core.views.folded_changes)."""
    folds, hidden = folded_changes(message.forged_changes)
    lines = [f"{INDENT}[{'' if count == 1 else f'{count:,} '}UNVERIFIED {change.kind}"
             f"{'' if count == 1 else 's'} of the message above by {shown_handle(change.author)}"
             f" ({shown_name(change.fingerprint)}): {inert(change.reason, allow_newlines=False)}]"
             for change, count in folds]
    if hidden:
        lines.append(f"{INDENT}[{hidden:,} more UNVERIFIED changes of the message above: "
                     "`peers verify` lists them]")
    return lines
