"""core.window_reads answered by the models, inside a GroupStore session: what core.history
read directly before the first frame of `peers open` had to judge rows without Peewee."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from peers_tui.core import plain_rows
from peers_tui.core.plain_rows import held_places
from peers_tui.core.chain_rules import Predecessors
from peers_tui.core.chains import check_chain, crowded_here, forked_here, predecessors
from peers_tui.core.membership import Roster
from peers_tui.core.models import Message
from peers_tui.core.records import SignedRecord

Place = tuple[str, int]


class ModelReads:
    """The reads judging a window needs, through the models bound to the open group file."""

    def rows_with_ids(self, ids: list[str]) -> list[Any]:
        return list(Message.with_rowid().where(Message.id.in_(ids))) if ids else []

    def effects_on(self, ids: list[str]) -> list[Any]:
        # Plain rows (core.lean_window's, converted as the models convert them), not models:
        # thousands of changes may be aimed at one message (issue 15), and building a model
        # cost ~10 times a plain row, most of a read once few of them are judged.
        return plain_rows.effects_on(Message._meta.database.connection(), ids)

    def effect_keys(self, ids: list[str]) -> list[Any]:
        return plain_rows.effect_keys(Message._meta.database.connection(), ids)

    def rows_at(self, rowids: list[int]) -> list[Any]:
        return plain_rows.rows_at(Message._meta.database.connection(), rowids)

    def crowded(self, places: Iterable[Place]) -> set[Place]:
        return crowded_here(places)

    def forked(self, places: Iterable[Place], group_id: str,
               crowded: set[Place] | None = None, roster: Roster | None = None) -> set[Place]:
        return forked_here(places, group_id, crowded, roster)

    def predecessors(self, wanted: set[Place], have: dict[Place, list[tuple[Any, Any]]] | None
                     = None, *, group_id: str) -> Predecessors:
        return predecessors(wanted, have, group_id=group_id)

    def held(self, places: set[Place]) -> set[Place]:
        return held_places(Message._meta.database.connection(), places)

    def check_chain(self, record: SignedRecord, chain: Predecessors,
                    roster: Roster | None) -> None:
        check_chain(record, chain, roster)


__all__ = ["ModelReads"]
