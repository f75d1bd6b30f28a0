"""core.window_reads answered by the models, inside a GroupStore session: what core.history
read directly before the first frame of `peers open` had to judge rows without Peewee."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from peewee import SQL

from peers_tui.core.chain_rules import Predecessors
from peers_tui.core.chains import check_chain, crowded_here, forked_here, predecessors
from peers_tui.core.membership import Roster
from peers_tui.core.models import Message, prepared
from peers_tui.core.records import SignedRecord

Place = tuple[str, int]


class ModelReads:
    """The reads judging a window needs, through the models bound to the open group file."""

    def rows_with_ids(self, ids: list[str]) -> list[Any]:
        return list(Message.with_rowid().where(Message.id.in_(ids))) if ids else []

    def effects_on(self, ids: list[str]) -> list[Any]:
        # The ids go in as one JSON parameter: an IN list costs Peewee a node per id, as much
        # as the rest of a row's checks without its signature.
        param = json.dumps(ids)
        return list(prepared(Message, ("effects",), [param], lambda: Message.with_rowid().where(
            Message.target.in_(SQL("(SELECT value FROM json_each(?))", [param])))
            .order_by(Message.id)))

    def crowded(self, places: Iterable[Place]) -> set[Place]:
        return crowded_here(places)

    def forked(self, places: Iterable[Place], group_id: str,
               crowded: set[Place] | None = None, roster: Roster | None = None) -> set[Place]:
        return forked_here(places, group_id, crowded, roster)

    def predecessors(self, wanted: set[Place], have: dict[Place, list[tuple[Any, Any]]] | None
                     = None, *, group_id: str) -> Predecessors:
        return predecessors(wanted, have, group_id=group_id)

    def check_chain(self, record: SignedRecord, chain: Predecessors,
                    roster: Roster | None) -> None:
        check_chain(record, chain, roster)


__all__ = ["ModelReads"]
