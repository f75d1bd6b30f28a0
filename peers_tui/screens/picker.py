"""PickerScreen: an input above a list of options; Enter or a click picks one, Esc cancels.

The group switcher and the search screen are both this, with different options.
"""

from __future__ import annotations

from textual import on
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import OptionList


class PickerScreen(ModalScreen[str | None]):
    """Dismisses with the id of the chosen option, or None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "cursor(1)", show=False),
        Binding("up", "cursor(-1)", show=False),
    ]

    def pick_highlighted(self) -> bool:
        """Pick the highlighted option; False when there is none."""
        options = self.query_one(OptionList)
        if options.highlighted is None or not options.option_count:
            return False
        self.choose(options.get_option_at_index(options.highlighted).id)
        return True

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.choose(event.option.id)

    def choose(self, option_id: str | None) -> None:
        """An option was picked: by default, close with its id."""
        self.dismiss(option_id)

    def action_cursor(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            options.highlighted = ((options.highlighted or 0) + step) % options.option_count

    def action_cancel(self) -> None:
        self.dismiss(None)
