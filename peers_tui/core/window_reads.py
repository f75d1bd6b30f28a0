"""What judging a window of the log reads from the group file besides the window's own rows:
the read interface of the rules in core.history and core.row_checks (HistoryReader, check_row,
window_chain).

The rules decide which rows are genuine, forged, forked or by non-members from the rows and
from these few reads; they are the same whoever answers them. Two answer them: the models
inside a GroupStore session (core.model_reads, the default: loads Peewee), and a plain sqlite3
connection (core.lean_window: the first frame of `peers open`, which loads no Peewee).
Nothing here imports either.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, Protocol

    from peers_tui.core.chain_rules import Predecessors
    from peers_tui.core.membership import Roster
    from peers_tui.core.records import SignedRecord

    Place = tuple[str, int]

    class WindowReads(Protocol):
        """The reads of one group file that judging a window needs."""

        def rows_with_ids(self, ids: list[str]) -> list[Any]:
            """The message rows with these ids (reply targets outside the window)."""

        def effects_on(self, ids: list[str]) -> list[Any]:
            """The rows that change these messages (edits, deletions, reactions), by id."""

        def effect_keys(self, ids: list[str]) -> list[Any]:
            """effects_on's rows, by id, with only what groups them (core.effect_plan.Key)."""

        def rows_at(self, rowids: list[int]) -> list[Any]:
            """The message rows with these rowids, whole."""

        def crowded(self, places: Iterable[Place]) -> set[Place]:
            """core.forks.crowded_places of these places."""

        def forked(self, places: Iterable[Place], group_id: str,
                   crowded: set[Place] | None = None, roster: Roster | None = None) -> set[Place]:
            """core.forks.forked_places of these places (a record void by a cut of
            `roster`'s is no half of a fork)."""

        def predecessors(self, wanted: set[Place],
                         have: dict[Place, list[tuple[Any, Any]]] | None = None, *,
                         group_id: str) -> Predecessors:
            """The records of group `group_id` at each wanted chain place: from `have` (the
            text and signature of each row there), else from the file."""

        def held(self, places: set[Place]) -> set[Place]:
            """Those of these chain places where the message or invite table holds a row,
            genuine or not (core.altered_places)."""

        def check_chain(self, record: SignedRecord, chain: Predecessors,
                        roster: Roster | None) -> None:
            """chain_rules.check_chain, for what this file holds (a backfill's frontier)."""


def model_reads() -> WindowReads:
    """The reads through the models, in the GroupStore session the caller is in."""
    from peers_tui.core.model_reads import ModelReads  # Peewee: only where a store is open

    return ModelReads()


__all__ = ["model_reads"]
