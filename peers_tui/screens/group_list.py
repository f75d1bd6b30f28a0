"""GroupListScreen: the user's groups with unread counts and, across hosts, the sync column of
`peers groups` (screens.group_sync); create, join, leave, mute, reorder."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
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
from peers_tui.screens.group_sync import GroupSyncWatch
from peers_tui.widgets.fitting_footer import FittingFooter
from peers_tui.widgets.group_label import group_text, with_sync

if TYPE_CHECKING:
    from peers_tui.core.account import Account
    from peers_tui.core.stopped_unsent import StoppedUnsent

# The option list's border, padding and scrollbar: the cells of a row's line are the rest.
LIST_CHROME = 6
FIRST_READ_WAIT = 0.15  # seconds the first fill waits at most for the sync column's first read


class GroupListScreen(Screen[None]):
    """Every group in the user's Groups table, personal first, in the user's order."""

    BINDINGS = bindings("group_list")  # from the key registry (commands/registry.py)

    def __init__(self, summaries: tuple[GroupSummary, ...], account: Account | None = None,
                 counts: StoppedUnsent | None = None) -> None:
        super().__init__()
        self.summaries = summaries
        self.syncs: dict[str, str] | None = None  # the sync column (None: no relay, none)
        self.sync = GroupSyncWatch(self, account, self._show_syncs, counts)
        self.filled = False

    def compose(self) -> ComposeResult:
        yield Static(f" Groups   {key_hints('group_list')}", id="group-list-title")
        yield OptionList(id="group-list")
        yield FittingFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        if self.sync.start(self.summaries):
            # Filled once, with the column, when the first read is in (a few ms with the relay
            # running): filled before it, every row was drawn twice, ~45 ms of CPU more with
            # 200 groups. A slow first read (a stopped relay's first count) is not waited for.
            self.syncs = {}
            self.set_timer(FIRST_READ_WAIT, self._fill_once)
        else:
            self._fill()

    def _fill_once(self) -> None:
        if not self.filled:
            self._fill()

    @on(SummariesUpdated)
    def _updated(self, event: SummariesUpdated) -> None:
        self.summaries = event.summaries
        self._fill()
        self.sync.regroup(self.summaries)

    def on_resize(self) -> None:
        if self.syncs is not None and self.filled:  # the column's room changed
            self._fill()

    def _show_syncs(self, syncs: dict[str, str]) -> None:
        """New sync texts: the rows whose text changed drawn again, the highlight and the
        scroll kept."""
        before, self.syncs = self.syncs or {}, syncs
        if not self.is_attached:
            return  # read as the list closed
        if not self.filled:
            self._fill()
            return
        options = self.query_one(OptionList)
        if options.option_count != len(self.summaries):
            return  # filled anew by the next SummariesUpdated
        for index, prompt in enumerate(self._prompts()):
            group_id = self.summaries[index].id
            if syncs.get(group_id) != before.get(group_id):
                options.replace_option_prompt_at_index(index, prompt)

    def _prompts(self) -> list[Text]:
        width = max(10, min(40, self.size.width - 30)) if self.size.width else 30
        if self.syncs is None:
            return [group_text(s, i + 1, width=width) for i, s in enumerate(self.summaries)]
        # The names' column no wider than the longest name: the sync texts get the room.
        width = min(width, max((cell_len(s.label) for s in self.summaries), default=width))
        rows = [group_text(s, i + 1, width=max(width, 10)) for i, s in enumerate(self.summaries)]
        return with_sync(rows, [self.syncs.get(s.id, "") for s in self.summaries],
                         self.size.width - LIST_CHROME)

    def _fill(self) -> None:
        self.filled = True
        options = self.query_one(OptionList)
        keep = self.selected_id
        options.clear_options()
        options.add_options([Option(prompt, id=s.id)
                             for s, prompt in zip(self.summaries, self._prompts())])
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
