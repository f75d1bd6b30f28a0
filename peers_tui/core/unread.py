"""Which unread rows are genuine: what the unread and mention counts are made of.

Counts run for every group at every commit to it, over up to a thousand unread rows; checking
a row as the log does (signature, columns, author chain, role, lateness) costs ~50 µs even
with the signature cache, so a never-read group's recount would cost 50 ms. The verdicts are
therefore remembered per group, keyed by a digest of everything the verdict depends on: the
whole row, the records at its author's previous chain position, and (as the generation) the
membership log. Any change to any of these misses and is checked afresh.
"""

from __future__ import annotations

import hashlib
from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any, cast

import peewee

from peers_tui.core import joined_history
from peers_tui.core.chains import Predecessors, predecessors
from peers_tui.core.history import HistoryReader
from peers_tui.core.models import Message, tuples
from peers_tui.core.row_checks import window_chain


@lru_cache(maxsize=1)
def _row_type() -> tuple[Callable[[Iterable[Any]], Any], str]:
    """What makes a tuple with every Message column (and rowid) as attributes, and their list."""
    columns = [field.column_name for field in Message._meta.sorted_fields]
    # The fields are the model's, known at run time only: no static type describes the rows.
    row_type = cast(Any, namedtuple)("UnreadRow", [*columns, "rowid"])
    return row_type._make, ", ".join(f'"{c}"' for c in columns)


def unread_rows(db: peewee.Database, me: str, since: int | None, after_id: str | None,
                cap: int) -> list[Any]:
    """The newest `cap` primary rows by others stored after rowid `since` (else with an id
    after `after_id`), newest arrival first, as plain tuples: a thousand peewee rows cost
    more to build (12 ms) than to check against the memo.

    History a join received (core.joined_history: what the hub held when this host joined)
    is left out: it is not news to anyone here, however late it was stored. The walk goes
    down the spans between its ranges, so a million backfilled rows after the read marker
    cost a lookup of their few ranges, not a look at each row."""
    make_row, columns = _row_type()
    params: list[object]
    condition, params = "", [me]
    if since:
        condition, params = " AND rowid > ?", [me, since]
    elif after_id:
        condition, params = " AND id > ?", [me, after_id]
    select = (f"SELECT {columns}, rowid FROM {Message._meta.table_name} "
              f"WHERE author != ? AND target IS NULL{condition}")
    spans = joined_history.news_spans(db, since or 0)
    if spans is None:
        sql = f"{select} ORDER BY rowid DESC LIMIT ?"
        return [make_row(row) for row in db.execute_sql(sql, [*params, cap])]
    table = Message._meta.table_name
    sql = (f"{select} AND rowid BETWEEN ? AND ? AND NOT EXISTS (SELECT 1 FROM"
           f" {joined_history.IDS} AS e WHERE e.id = {table}.id AND e.top < {table}.rowid)"
           " ORDER BY rowid DESC LIMIT ?")
    rows: list[Any] = []
    for low, high in spans:
        found = db.execute_sql(sql, [*params, low, high, cap - len(rows)])
        rows += [make_row(row) for row in found]
        if len(rows) >= cap:
            break
    return rows


class GenuineMemo:
    """The last verdicts of one group's unread rows (at most the rows of the last count)."""

    def __init__(self) -> None:
        self.generation: object = None
        self.verdicts: dict[bytes, bool] = {}

    def genuine(self, rows: Sequence[Any], reader: HistoryReader, generation: object) -> list[Any]:
        """The rows (plain tuples of every Message column, with rowid) that are genuine.

        Must run inside the store's session: a miss looks up its author's previous record.
        """
        if generation != self.generation:
            self.generation, self.verdicts = generation, {}
        # What each row's previous chain position holds: the texts themselves when they are
        # in this window (nearly always), else what the file holds there. The full chain
        # (every predecessor's hash and signed time) is built only if some row is new.
        have: dict[tuple[str, int], list[tuple[Any, Any]]] = {}
        for row in rows:
            if isinstance(row.author, str) and isinstance(row.author_seq, int):
                have.setdefault((row.author, row.author_seq), []).append((row.record, row.sig))
        positions = [(row.author, row.author_seq - 1)
                     if isinstance(row.author, str) and isinstance(row.author_seq, int)
                     and not isinstance(row.author_seq, bool) and row.author_seq > 1 else None
                     for row in rows]
        outside = predecessors({p for p in positions if p is not None and p not in have},
                               group_id=reader.group_id)
        chain: Predecessors | None = None
        # Forked places are looked up every time (one query): a second record of a place
        # changes the verdict of a row that did not change itself.
        forked = reader.forked(list(rows))
        verdicts: dict[bytes, bool] = {}
        result = []
        for row, position in zip(rows, positions):
            before = (None if position is None else have[position] if position in have
                      else sorted(outside.get(position, {}).items()))
            fork = (row.author, row.author_seq) in forked
            key = hashlib.blake2b(repr((tuple(row), before, fork)).encode("utf-8", "surrogatepass"),
                                  digest_size=16).digest()
            verdict = self.verdicts.get(key)
            if verdict is None:
                chain = window_chain(list(rows), reader.group_id) if chain is None else chain
                item = reader.check(row, chain, forked)  # the log's own check, the fork rule included
                verdict = item.record is not None and item.problem is None
            verdicts[key] = verdict
            if verdict:
                result.append(row)
        self.verdicts = verdicts  # only this count's rows: memory stays bounded by its cap
        return result


def current_bodies(rows: Sequence[Any], reader: HistoryReader) -> list[tuple[Any, str]]:
    """Each genuine row with its current text, as the log shows it: its own, or its edited
    text; a deleted one is left out. Only rows that a change names (one indexed query finds
    them, few ever are) are read again as views, so the common case costs that query alone.
    Must run inside the store's session."""
    ids = [row.id for row in rows]
    changed: set[Any] = set()
    for start in range(0, len(ids), 500):
        changed.update(target for (target,) in tuples(Message.select(Message.target)
                       .where(Message.target.in_(ids[start:start + 500]))))
    views = ({view.id: view for view in reader.views(
        list(Message.with_rowid().where(Message.id.in_(list(changed)))))} if changed else {})
    bodies = []
    for row in rows:
        view = views.get(row.id)
        if view is None:
            bodies.append((row, str(row.body)))
        elif view.verified and not view.deleted:
            bodies.append((row, view.body))
    return bodies
