"""NoteScreen: what a command answered, when it is longer than a notification can show.

A notification is at most 60 cells wide (half the screen below 120 columns) and as tall as its
text; the rest is cut at the screen's top, with no way to scroll. `/who` of a group of 8 at
60x20 lost its first lines (the group, its count, the user's own line), and a group of 30
lost them at any size. Such an answer opens here instead, scrollable; Esc closes it.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

# The toast's width (Textual's: 60 cells, at most half the screen) less its padding and border,
# and the rows it takes beyond its text (padding, margin, and a title line).
TOAST_WIDTH, TOAST_SIDES, TOAST_ROWS = 60, 3, 4


def fits_a_toast(message: str, columns: int, rows: int) -> bool:
    """Whether a notification of `message` shows whole on a `columns` x `rows` screen."""
    width = max(1, min(TOAST_WIDTH, columns // 2) - TOAST_SIDES)
    lines = sum(len(Content(line).wrap(width)) or 1 for line in message.split("\n"))
    return lines + TOAST_ROWS <= rows - 2  # the footer's row and the composer's border


def tell(app: App[object], message: str, *, title: str = "",
         timeout: float | None = None) -> None:
    """A command's answer: a notification, or this screen when it would not show whole."""
    columns, rows = app.size
    if fits_a_toast(message, columns, rows):
        app.notify(message, title=title, timeout=timeout)
    else:
        app.push_screen(NoteScreen(message, title))


class NoteScreen(ModalScreen[None]):
    """The text, folded to the width, scrolled with the arrows; Esc, q or Enter closes it."""

    BINDINGS = [Binding("escape,q,enter", "dismiss", "Close", show=True)]

    def __init__(self, message: str, title: str = "") -> None:
        super().__init__()
        self.message, self.title_text = message, title

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="note-body") as body:
            body.border_title = Content(self.title_text)  # plain text, never markup
            body.border_subtitle = "Esc closes"
            yield Static(Text(self.message, overflow="fold"))  # plain text, never markup
