"""The places and rows a batch of arriving records is looked up by, in one query each
(relay/apply_batch.py): a backfill's page holds one run of places an author, so a lookup is
one index range an author, not a probe a record."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from peers_tui.core.group_store import GroupStore


def runs(places: set[tuple[str, int]]) -> list[list[Any]]:
    """[author, first, last] for each run of consecutive chain places: a backfill's page holds
    one run an author, so a place lookup is one index range an author, not a probe a record."""
    found: list[list[Any]] = []
    for author, seq in sorted(places):
        if found and found[-1][0] == author and found[-1][2] == seq - 1:
            found[-1][2] = seq
        else:
            found.append([author, seq, seq])
    return found


def in_runs(tables: tuple[str, ...], columns: str) -> str:
    """These columns of the rows of these tables of chained records at the places of some
    runs (`runs`); `{table}` in `columns` names each table."""
    return " UNION ALL ".join(
        f"SELECT {columns.format(table=table)} FROM json_each(?1) AS j JOIN {table} AS t"
        " ON t.author = json_extract(j.value, '$[0]')"
        " AND t.author_seq BETWEEN json_extract(j.value, '$[1]') AND json_extract(j.value, '$[2]')"
        for table in tables)


# Each row where a record would go, as junk_places.Row: a row that is not the record itself
# is verified there, and one that is no record of its author's is set aside (junk_places).
ROW = "'{table}', t.rowid, t.author, t.author_seq, t.record, t.sig"
IN_RUNS = in_runs(("message", "invite"), ROW)
# A place held by evidence alone (relay/chain_evidence.py) holds a predecessor, though a
# message of its own may still come for the message table; a row there is verified (few:
# forks and junk set aside, junk_places.py), so set-aside junk is no predecessor.
HELD_IN_RUNS = (in_runs(("message", "invite"), "t.author, t.author_seq, NULL, NULL")
                + " UNION ALL " + in_runs(("fork_evidence",), "t.author, t.author_seq, t.record, t.sig"))
MESSAGE_ROW = ROW.format(table="message").replace("t.", "m.")


__all__ = ["HELD_IN_RUNS", "IN_RUNS", "MESSAGE_ROW", "runs"]


def rows_among(store: GroupStore, sql: str, values: list[Any]) -> list[tuple[Any, ...]]:
    """The rows of `sql`, which selects among `values` (one JSON parameter): none for none,
    without asking (a lone message has no target, import id or, first of its author, no
    predecessor to look for)."""
    if not values:
        return []
    return list(store.db.execute_sql(sql, (json.dumps(values),)).fetchall())
