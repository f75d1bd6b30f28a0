"""Moving the selection over a window of the log: pure bookkeeping, no Textual.

The selection is one message of the loaded window, named by id (indexes shift as windows come
and go). A move of N messages that runs past an edge of what is loaded stops at that edge; the
rest is owed until the next window is in, when the widget moves on (like a page key owes the
rest of its screen, see LogScrolling._move_to).
"""

from __future__ import annotations


from peers_tui.core.views import MessageView
from peers_tui.core.value import Value


class SelectionMove(Value):  # not a dataclass: compiled at import (core.value)
    """Where a move lands in the loaded window, and how much of it is owed beyond an edge."""

    __slots__ = ("selected_id", "owed")
    selected_id: str | None
    owed: int  # messages still to move (negative: older) once the next window is in

    def __init__(self, selected_id: str | None, owed: int) -> None:
        self.selected_id = selected_id
        self.owed = owed


def step_selection(views: list[MessageView], selected_id: str | None, step: int,
                   at_oldest: bool, at_newest: bool) -> SelectionMove:
    """Move `step` messages (negative: older) from `selected_id` (the newest when None or no
    longer loaded)."""
    if not views:
        return SelectionMove(None, 0)
    ids = [view.id for view in views]
    index = ids.index(selected_id) if selected_id in ids else len(ids) - 1
    target = index + step
    if target < 0:
        return SelectionMove(ids[0], 0 if at_oldest else target)
    if target >= len(ids):
        return SelectionMove(ids[-1], 0 if at_newest else target - len(ids) + 1)
    return SelectionMove(ids[target], 0)
