"""ConfirmScreen: a destructive action asks first, naming what it acts on.

One keystroke answers: y or Enter confirms, n or Esc cancels (as in irssi's and mutt's prompts).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from peers_tui.core.text import inert


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True (confirmed) or False."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", priority=True),
        Binding("n,escape", "answer(False)", "No", priority=True),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Label(Text(inert(self.question, allow_newlines=False), style="bold"))
            if self.detail:
                yield Label(Text(inert(self.detail, allow_newlines=False), style="dim"),
                            id="confirm-detail")
            yield Label(Text("y / Enter: yes    n / Esc: no", style="italic"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
