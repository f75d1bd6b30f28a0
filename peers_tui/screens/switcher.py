"""GroupSwitcher (Ctrl+K): type part of a group's name, Enter opens it."""

from __future__ import annotations

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.fuzzy import Matcher
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from peers_tui.core.views import GroupSummary
from peers_tui.screens.picker import PickerScreen
from peers_tui.widgets.group_label import group_text
from peers_tui.widgets.text_field import TextField


class GroupSwitcher(PickerScreen):

    def __init__(self, summaries: tuple[GroupSummary, ...]) -> None:
        super().__init__()
        self.summaries = summaries

    def compose(self) -> ComposeResult:
        with Vertical(id="switcher-box"):
            yield TextField(placeholder="Go to group…", id="switcher-input")
            yield OptionList(id="switcher-list")

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, query: str) -> None:
        matcher = Matcher(query) if query else None
        scored = []
        for position, summary in enumerate(self.summaries):
            score = matcher.match(summary.label) if matcher else 1.0
            if score > 0:
                scored.append((-score, position, summary))
        options = self.query_one(OptionList)
        options.clear_options()
        # The names' column: 24 cells, or as wide as the longest name asks, up to the box's
        # room (60 cells, 90% of a narrower screen; its border, padding, the option's padding
        # and the marks take 16), a longer name folded (group_text).
        room = max(10, min(60, self.app.size.width * 9 // 10) - 16)
        width = min(room, max([24, *(cell_len(s.label) for _, _, s in scored)]))
        options.add_options([Option(group_text(s, width=width), id=s.id)
                             for _, _, s in sorted(scored)])
        if scored:
            options.highlighted = 0

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.pick_highlighted()
