"""Turning MessageViews into terminal lines: layout, colours, marks. No I/O, no state.

Every piece of text from a message is passed through `inert()` and placed in a Rich `Text`
as plain content, so markup, escape sequences and control characters show literally.
"""

from __future__ import annotations

import hashlib

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from peers_tui.core.names import shown_name
from peers_tui.core.text import inert
from peers_tui.core.times import local_clock, local_day, local_day_name
from peers_tui.core.views import MessageView

# Author colours: readable on dark and light themes, picked by a hash of the user id so a
# person keeps their colour across groups, sessions and machines.
AUTHOR_COLOURS = ("#e06c75", "#98c379", "#d19a66", "#61afef", "#c678dd", "#56b6c2",
                  "#e5c07b", "#ef8f6c", "#7ec699", "#82aaff", "#f78cb0", "#b5bd68")
MAX_AUTHOR_WIDTH = 16
TIME_WIDTH = 5


def author_colour(user_id: str) -> str:
    digest = hashlib.sha256(user_id.encode()).digest()
    return AUTHOR_COLOURS[digest[0] % len(AUTHOR_COLOURS)]


def day_label(ms: int) -> str:
    return local_day_name(ms)


def day_of(ms: int) -> str:
    return local_day(ms)


def clip(text: str, width: int) -> str:
    if cell_len(text) <= width:
        return text
    out = ""
    for char in text:
        if cell_len(out + char) > width - 1:
            break
        out += char
    return out + "…"


FLAG = "⚠ "  # before the author of a record that does not verify


def author_cell(label: str, fingerprint: str, width: int, flagged: bool) -> str:
    """The author column's text, `width` cells at most: a fingerprint at the end of the
    label is kept whole (the name is shortened instead), and FLAG comes first if flagged."""
    room = max(1, width - (len(FLAG) if flagged else 0))
    suffix = f"~{fingerprint}"
    if fingerprint and label.endswith(suffix) and room > len(suffix) + 1:
        text = clip(label[:-len(suffix)], room - len(suffix)) + suffix
    else:
        text = clip(label, room)
    return FLAG + text if flagged else text


class Styles:
    """The Rich styles the renderer uses; the widget fills them from its component classes."""

    def __init__(self, time: Style, body: Style, dim: Style, marker: Style, problem: Style,
                 separator: Style) -> None:
        self.time, self.body, self.dim = time, body, dim
        self.marker, self.problem, self.separator = marker, problem, separator


def render_message(view: MessageView, label: str, author_width: int, width: int,
                   console: Console, styles: Styles) -> list[Strip]:
    """The lines of one message: `HH:MM  author │ text`, wrapped under its own column."""
    when = local_clock(view.created_at)
    colour = Style(color=author_colour(view.author_id), bold=True)
    gutter = TIME_WIDTH + 1 + author_width + 3
    body_width = max(10, width - gutter)

    if view.kind == "action" and not view.deleted:
        name, text = "*", Text.assemble((inert(label, allow_newlines=False), colour), " ",
                                        (inert(view.body), styles.body))
    elif view.kind == "topic":
        name, text = "--", Text.assemble((inert(label, allow_newlines=False), colour),
                                         (" set the topic: ", styles.dim), (inert(view.body), styles.body))
    else:
        name, text = label, Text(inert(view.body), style=styles.body)
    if view.deleted:
        text = Text("(message deleted)", style=styles.dim + Style(italic=True))
    elif view.edited:
        text.append(" (edited)", style=styles.dim)

    lines: list[Text] = []
    if not view.verified:
        # First, beside the flag on the author: never below a long body, out of sight.
        warning = Text(f"unverified: {inert(view.problem or 'unknown problem', allow_newlines=False)}",
                       style=styles.problem)
        lines.extend(warning.wrap(console, body_width))
    if view.reply_to:
        reply = Text.assemble(("↳ ", styles.dim), (inert(view.reply_author or "?", allow_newlines=False), styles.dim + Style(bold=True)),
                              (": ", styles.dim), (inert(view.reply_body or "", allow_newlines=False), styles.dim))
        reply.truncate(body_width, overflow="ellipsis")
        lines.append(reply)
    lines.extend(text.wrap(console, body_width))
    for change in view.forged_changes:  # never applied: the message above keeps its state
        forged = Text(f"⚠ forged {change.kind} by {shown_name(change.author)} "
                      f"({change.fingerprint}), not applied: "
                      f"{inert(change.reason, allow_newlines=False)}", style=styles.problem)
        lines.extend(forged.wrap(console, body_width))

    name_text = author_cell(name, view.fingerprint, author_width, not view.verified)
    name_style = styles.dim if name in ("*", "--") else colour
    if not view.verified:
        name_style = name_style + styles.problem
    strips = []
    for index, line in enumerate(lines):
        if index == 0:
            prefix = [Segment(when.rjust(TIME_WIDTH), styles.time), Segment(" "),
                      Segment(name_text.rjust(author_width), name_style), Segment(" │ ", styles.dim)]
        else:
            prefix = [Segment(" " * (TIME_WIDTH + 1 + author_width)), Segment(" │ ", styles.dim)]
        segments = prefix + list(line.render(console))
        strip = Strip(segments).crop_extend(0, width, None)
        strips.append(strip)
    return strips


def render_rule(label: str, width: int, style: Style) -> Strip:
    """A full-width separator with a centred label: days and the read marker."""
    text = f" {label} "
    side = max(0, (width - cell_len(text)) // 2)
    line = "─" * side + text + "─" * max(0, width - side - cell_len(text))
    return Strip([Segment(line, style)], cell_len(line))
