"""GroupListScreen: the user's groups with unread counts; create, join, leave, mute, reorder."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from peers_tui.commands.registry import bindings, key_hints
from peers_tui.core.views import GroupSummary
from peers_tui.messages import (ArchiveGroup, CreateGroup, JoinGroup, LeaveGroup, MoveGroup,
                                OpenGroup, SetNotify, SummariesUpdated)
from peers_tui.screens.confirm import ConfirmScreen
from peers_tui.widgets.fitting_footer import FittingFooter
from peers_tui.widgets.group_label import group_text


class GroupListScreen(Screen[None]):
    """Every group in the user's Groups table, personal first, in the user's order."""

    BINDINGS = bindings("group_list")  # from the key registry (commands/registry.py)

    def __init__(self, summaries: tuple[GroupSummary, ...]) -> None:
        super().__init__()
        self.summaries = summaries

    def compose(self) -> ComposeResult:
        yield Static(f" Groups   {key_hints('group_list')}", id="group-list-title")
        yield OptionList(id="group-list")
        yield FittingFooter()

    def on_mount(self) -> None:
        self._fill()
        self.query_one(OptionList).focus()

    @on(SummariesUpdated)
    def _updated(self, event: SummariesUpdated) -> None:
        self.summaries = event.summaries
        self._fill()

    def _fill(self) -> None:
        options = self.query_one(OptionList)
        keep = self.selected_id
        options.clear_options()
        width = max(10, min(40, self.size.width - 30)) if self.size.width else 30
        options.add_options([Option(group_text(s, i + 1, width=width), id=s.id)
                             for i, s in enumerate(self.summaries)])
        ids = [s.id for s in self.summaries]
        options.highlighted = ids.index(keep) if keep in ids else (0 if ids else None)

    @property
    def selected_id(self) -> str | None:
        options = self.query_one(OptionList)
        if options.highlighted is None or not options.option_count:
            return None
        return options.get_option_at_index(options.highlighted).id

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.post_message(OpenGroup(event.option.id))

    def action_open(self) -> None:
        if self.selected_id:
            self.post_message(OpenGroup(self.selected_id))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_create(self) -> None:
        self.post_message(CreateGroup())  # with no name: asks for one

    def action_join(self) -> None:
        self.post_message(JoinGroup())  # with no code: asks for one

    def action_leave(self) -> None:
        """Leaving asks first: vim users press j/k/l here out of habit."""
        group_id = self.selected_id
        if not group_id:
            return
        name = next((s.name for s in self.summaries if s.id == group_id), group_id)

        def answered(yes: bool | None) -> None:
            if yes:
                self.post_message(LeaveGroup(group_id))
        self.app.push_screen(ConfirmScreen(f"Leave {name}?",
                                           "you can come back only with a new invite"), answered)

    def action_archive(self) -> None:
        """Hide a group (one you left, say) from this list and Alt+N; nothing in it changes."""
        group_id = self.selected_id
        summary = next((s for s in self.summaries if s.id == group_id), None)
        if summary is None:
            return
        if summary.personal:
            self.notify("the personal group cannot be archived", severity="warning")
            return
        self.post_message(ArchiveGroup(summary.id))

    def action_mute(self) -> None:
        if self.selected_id:
            self.post_message(SetNotify(self.selected_id))  # the next level

    def action_move(self, offset: int) -> None:
        if self.selected_id:
            self.post_message(MoveGroup(self.selected_id, offset))
