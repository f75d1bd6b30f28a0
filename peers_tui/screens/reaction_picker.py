"""ReactionPicker: the common emoji to react with, or any emoji typed; Enter toggles it.

The emoji the user has already put on the message are marked: picking one takes it back."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from peers_tui.core.reactions import COMMON
from peers_tui.screens.picker import PickerScreen
from peers_tui.widgets.text_field import TextField


class ReactionPicker(PickerScreen):
    """Dismisses with the emoji picked (typed or chosen), or None."""

    DEFAULT_CSS = """
    #reaction-box {
        width: 40;
        max-width: 90%;
        height: auto;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    #reaction-list {
        height: auto;
        max-height: 10;
        border: none;
    }
    """

    def __init__(self, mine: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.mine = mine  # the emoji the user already reacted with: picking one takes it back

    def compose(self) -> ComposeResult:
        with Vertical(id="reaction-box"):
            yield Label("React (Enter toggles, Esc cancels)")
            yield TextField(placeholder="or type any emoji…", id="reaction-input")
            yield OptionList(*[Option(f"{emoji}  {'(yours: take back)' if emoji in self.mine else ''}",
                                      id=emoji) for emoji in COMMON], id="reaction-list")

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())  # checked by the caller (check_emoji)
        else:
            self.pick_highlighted()
