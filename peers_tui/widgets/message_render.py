"""Turning MessageViews into terminal lines: layout, colours, marks. No I/O, no state.

Every piece of text from a message is passed through `inert()` and placed in a Rich `Text`
as plain content, so markup, escape sequences and control characters show literally.
"""

from __future__ import annotations

from rich.cells import cell_len, chop_cells
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from peers_tui.core.encoding import sha256
from peers_tui.core.events import EventView
from peers_tui.core.links import url_spans
from peers_tui.core.names import shown_handle, shown_name
from peers_tui.core.reactions import summary
from peers_tui.core.text import inert
from peers_tui.core.times import local_clock, local_day, local_day_name
from peers_tui.core.views import MessageView, folded_changes, forged_kind

# Author colours: readable on dark and light themes, picked by a hash of the user id so a
# person keeps their colour across groups, sessions and machines.
AUTHOR_COLOURS = ("#e06c75", "#98c379", "#d19a66", "#61afef", "#c678dd", "#56b6c2",
                  "#e5c07b", "#ef8f6c", "#7ec699", "#82aaff", "#f78cb0", "#b5bd68")
MAX_AUTHOR_WIDTH = 16
TIME_WIDTH = 5
FOLD_LINES = 20  # a message's text longer than this shows this many lines until expanded
UNSENT_MARK = "⋯"  # between the time and the author: stored here, not yet at the relay's hub
REFUSED_MARK = "✗"  # there too: the hub refused it, no other host has it (relay.hub_refusals)
VOID_MARK = "⊘"  # there too: void, a cut of its author's had not seen it (relay.refused_told)


def author_colour(user_id: str) -> str:
    # core.encoding's SHA-256 (CPython's own): hashlib's loads OpenSSL first, ~1 ms of a start.
    digest = sha256(user_id.encode()).digest()
    return AUTHOR_COLOURS[digest[0] % len(AUTHOR_COLOURS)]


# Each author's name style, made once: a Rich Style costs ~20 us to build (its colour parsed,
# its annotations evaluated), and the first window built one per message before its first
# frame. A Style is immutable; the cache holds one per author seen (a group's members).
_AUTHOR_STYLES: dict[str, Style] = {}


def author_style(user_id: str) -> Style:
    """The bold colour an author's name is drawn in (author_colour)."""
    style = _AUTHOR_STYLES.get(user_id)
    if style is None:
        if len(_AUTHOR_STYLES) > 4096:  # bounded however many authors pass by
            _AUTHOR_STYLES.clear()
        style = _AUTHOR_STYLES[user_id] = Style(color=author_colour(user_id), bold=True)
    return style


def wrapped(text: Text, console: Console, width: int) -> list[Text]:
    """`text` word-wrapped to `width` cells: `Text.wrap`, whose answer for one line that fits
    (most messages) is that line itself, found here without splitting and dividing it (~25 us
    a message, every message of a window laid out)."""
    plain = text.plain
    if "\n" not in plain and "\t" not in plain and cell_len(plain) <= width:
        return [text]
    return list(text.wrap(console, width))


def day_label(ms: int) -> str:
    return local_day_name(ms)


def day_of(ms: int) -> str:
    return local_day(ms)


def clock(ms: int) -> str:
    return local_clock(ms)


def clip(text: str, width: int) -> str:
    if cell_len(text) <= width:
        return text
    out = ""
    for char in text:
        if cell_len(out + char) > width - 1:
            break
        out += char
    return out + "…"


def right_aligned(text: str, width: int) -> str:
    """`text` at the right of `width` cells (str.rjust counts characters: a CJK or emoji
    handle, two cells a character, pushed the bar and the message past the edge)."""
    return " " * max(0, width - cell_len(text)) + text


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
                 separator: Style, mention: Style | None = None) -> None:
        self.time, self.body, self.dim = time, body, dim
        self.marker, self.problem, self.separator = marker, problem, separator
        self.mention = mention if mention is not None else Style(bold=True)


def body_text(body: str, style: Style, linked: bool) -> Text:
    """A message's text, inert; with each URL a terminal hyperlink to exactly the URL shown
    (core.links) if `linked` (a genuine message: a forged one gets no links)."""
    text = Text(inert(body), style=style)
    if linked:
        for start, end in url_spans(text.plain):
            text.stylize(Style(link=text.plain[start:end]), start, end)
    return text


def folded(lines: list[Text], expanded: bool, style: Style) -> list[Text]:
    """The first FOLD_LINES of a long text and "… N more lines", unless `expanded`."""
    if expanded or len(lines) <= FOLD_LINES:
        return lines
    hidden = len(lines) - FOLD_LINES
    return [*lines[:FOLD_LINES],
            Text(f"… {hidden} more line{'s' if hidden != 1 else ''}", style=style)]


def render_message(view: MessageView, label: str, author_width: int, width: int,
                   console: Console, styles: Styles, *, mentioned: bool = False,
                   expanded: bool = False, unsent: str = "",
                   quoted: str | None = None) -> list[Strip]:
    """The lines of one message: `HH:MM  author │ text`, wrapped under its own column, its
    reactions under it; a bar down the left of the text if it `mentioned` the reader; a
    text of more than FOLD_LINES lines folded unless `expanded`; `unsent`, the mark after the
    time: UNSENT_MARK (not yet at the hub of the relay), REFUSED_MARK (refused there),
    VOID_MARK (void by a cut), or ""; `quoted`: the replied-to author's label as the author
    column shows it (its fingerprint beside a look-alike)."""
    when = clock(view.created_at)
    colour = author_style(view.author_id)
    gutter = TIME_WIDTH + 1 + author_width + 3
    body_width = max(10, width - gutter)

    body = body_text(view.body, styles.body, view.verified and not view.deleted)
    if view.kind == "action" and not view.deleted:
        name, text = "*", Text.assemble((inert(label, allow_newlines=False), colour), " ", body)
    elif view.kind == "topic":
        name, text = "--", Text.assemble((inert(label, allow_newlines=False), colour),
                                         (" set the topic: ", styles.dim), body)
    else:
        name, text = label, body
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
        reply = Text.assemble(("↳ ", styles.dim), (inert(quoted or view.reply_author or "?", allow_newlines=False), styles.dim + Style(bold=True)),
                              (": ", styles.dim), (inert(view.reply_body or "", allow_newlines=False), styles.dim))
        reply.truncate(body_width, overflow="ellipsis")
        lines.append(reply)
    lines.extend(folded(wrapped(text, console, body_width), expanded, styles.dim))
    reactions = summary(view.reactions) if not view.deleted else ""
    if reactions:
        lines.extend(Text(inert(reactions, allow_newlines=False), style=styles.dim)
                     .wrap(console, body_width))
    folds, hidden = folded_changes(view.forged_changes, expanded)
    for change, count in folds:  # never applied: the message above keeps its state
        forged = Text(f"⚠ {forged_kind(change, count)} by {shown_handle(change.author)} "
                      f"({shown_name(change.fingerprint)}), not applied: "
                      f"{inert(change.reason, allow_newlines=False)}", style=styles.problem)
        lines.extend(forged.wrap(console, body_width))
    if hidden:
        lines.append(Text(f"⚠ … {hidden:,} more forged changes, not applied", style=styles.problem))

    name_text = author_cell(name, view.fingerprint, author_width, not view.verified)
    name_style = styles.dim if name in ("*", "--") else colour
    if not view.verified:
        name_style = name_style + styles.problem
    bar = Segment(" ┃ ", styles.mention) if mentioned else Segment(" │ ", styles.dim)
    first = [Segment(when.rjust(TIME_WIDTH), styles.time),
             Segment(unsent[:1], styles.dim) if unsent else Segment(" "),
             Segment(right_aligned(name_text, author_width), name_style)]
    return strips_of(lines, first, author_width, bar, width, console)


def strips_of(lines: list[Text], first: list[Segment], author_width: int, bar: Segment,
              width: int, console: Console) -> list[Strip]:
    """`lines` beside the time and author columns (`first`, on the first line only)."""
    strips = []
    for index, line in enumerate(lines):
        prefix = first if index == 0 else [Segment(" " * (TIME_WIDTH + 1 + author_width))]
        segments = [*prefix, bar, *line.render(console)]
        strips.append(Strip(segments).crop_extend(0, width, None))
    return strips


def render_event(event: EventView, author_width: int, width: int, console: Console,
                 styles: Styles) -> list[Strip]:
    """A membership change in its place, compact and dim: `HH:MM  -- │ bob joined as
    writer (invited by alice)`. One that did not count is flagged as forged, never shown as
    an event: what it claims, and why it does not count."""
    body_width = max(10, width - (TIME_WIDTH + 1 + author_width + 3))
    said = event.shown(shown_name)  # names are untrusted text, each one inert line
    if event.verified:
        text = Text(said, style=styles.dim)
        name = Segment("--".rjust(author_width), styles.dim)
    else:
        problem = inert(event.problem or "unknown problem", allow_newlines=False)
        text = Text(f"forged, not applied: {problem}: {said}", style=styles.problem)
        name = Segment(right_aligned(author_cell("--", "", author_width, True), author_width),
                       styles.dim + styles.problem)
    first = [Segment(clock(event.created_at).rjust(TIME_WIDTH), styles.time),
             Segment(" "), name]
    return strips_of(list(text.wrap(console, body_width)), first, author_width,
                     Segment(" │ ", styles.dim), width, console)


def render_rule(label: str, width: int, style: Style) -> Strip:
    """A full-width separator with a centred label: days and the read marker."""
    text = f" {label} "
    side = max(0, (width - cell_len(text)) // 2)
    line = "─" * side + text + "─" * max(0, width - side - cell_len(text))
    return Strip([Segment(line, style)], cell_len(line))


def centred_lines(text: str, width: int, separator: str = "  ·  ") -> list[str]:
    """`text` in lines of at most `width` cells, each centred: broken between its
    `separator`-joined parts first, then between words, a word wider than the line cut by
    cells (a hub's path). A hint cut at the right edge hid what to type at 60 columns."""
    if width <= 0:
        return []
    lines: list[str] = []
    line = ""
    for part in text.split(separator):
        joined = f"{line}{separator}{part}" if line else part
        if cell_len(joined) <= width:
            line = joined
            continue
        if line:
            lines.append(line)
        line = ""
        for word in part.split(" "):
            joined = f"{line} {word}" if line else word
            if cell_len(joined) <= width:
                line = joined
                continue
            if cell_len(word) > width and line:  # cut where the line stands ("hub: /tmp/...")
                word, line = f"{line} {word}", ""
            if line:
                lines.append(line)
            if cell_len(word) > width:  # cut by cells (Rich gives '' for a two-cell
                # character on a one-cell line)
                pieces = [piece for piece in chop_cells(word, width) if piece]
                lines.extend(pieces[:-1])
                word = pieces[-1]
            line = word
    if line:
        lines.append(line)
    return [_centred(one, width) for one in lines]


def _centred(line: str, width: int) -> str:
    """`str.center` by cells (its way of placing an odd cell: snapshots stay put)."""
    margin = width - cell_len(line)
    left = margin // 2 + (margin & width & 1)
    return " " * left + line + " " * (margin - left)
