"""The fork rule: a place of an author's chain that two or more different records hold, each
signed by that author for that place, is void for every record there ("forked chain").

Only the key's holder can sign both (an honest client never does), so the author is
equivocating, and no reader can tell which of the two they meant: the verdict must not
depend on which one this host happened to see first. It is a function of the signed
records alone, wherever they are stored: in the message and invite tables, or in
`fork_evidence` (a second record that arrived from another host where its own table has no
room for it: the message table holds one record a place). The records after a forked place
are judged as before: a successor naming either record as its predecessor still follows it.

The looked-up columns of a row do not matter here (a signature is the evidence), and a row
that does not verify as its author's own at that place is no evidence of anything: junk
written into a file can never void a genuine record.

A record void by a cut is no half of a fork (README rule 4): a removal, demotion or leave
records the last record of the member's it had seen, and a record of theirs above that place
naming an older state is void whatever else is there. The cut released the places above it:
the member's client signs its next record at the first of them again (the void one taken out
of its host's file, relay/voided.py), and hosts the void one had reached before must not
void that one too, as a fork of it. `roster` (the membership state the caller judges in, the
whole log) says which records a cut voids; at most one record a place can then be live, as
before: the member cannot make the cut that voids the other one (a leave is their own, but
what they sign above it under the older state is void too).

A record void for its own checks is no half of a fork either (core.self_void: backdated
against the record it names, a message's fields or id, its author no member, or of too low
a role, at the state it names): no reader anywhere takes it as genuine, so the record of
theirs beside it holds the place on every host, whichever of the two each host holds.

`execute(sql, params)` runs a query on the open group file: the models' database inside a
GroupStore session (core.chains.forked_here), or a plain sqlite3 connection (core.lean_reads).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from peers_tui.core.chain_rules import by_hash, own_record
from peers_tui.core.fork_candidates import crowded_in_file
from peers_tui.core.raw_values import text_of
from peers_tui.core.self_void import void_on_own

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (the lean send path)
if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable
    from typing import Any

    from peers_tui.core.records import SignedRecord
    from peers_tui.core.roster import Roster

    Execute = Callable[[str, tuple[Any, ...]], Iterable[tuple[Any, ...]]]
    Place = tuple[str, int]

# Every table whose rows are links of author chains.
CHAINED_TABLES = ("message", "invite", "fork_evidence")
_AT_PLACES = ("SELECT t.author AS author, t.author_seq AS seq{extra} FROM json_each(?) AS j"
              " JOIN {table} AS t ON t.author = json_extract(j.value, '$[0]')"
              " AND t.author_seq = json_extract(j.value, '$[1]')")
# The places (of those asked about) that more than one row claims: in a file nobody wrote
# into, none but real forks, so the records themselves are read only there.
CROWDED = ("SELECT author, seq FROM (" + " UNION ALL ".join(
    _AT_PLACES.format(table=table, extra="") for table in CHAINED_TABLES)
    + ") GROUP BY author, seq HAVING COUNT(*) > 1")


def rows_at_sql(tables: tuple[str, ...]) -> str:
    """A query of (author, seq, record, sig) of every row of `tables` at the places given as
    one JSON list of [author, seq] pairs (once a table)."""
    return " UNION ALL ".join(_AT_PLACES.format(table=table, extra=", t.record, t.sig")
                              for table in tables)


HELD = rows_at_sql(CHAINED_TABLES)


def live_records(author: str, aseq: int, held: Iterable[tuple[Any, Any]], group_id: str,
                 roster: Roster | None = None,
                 before: dict[str, int] | None = None) -> dict[str, SignedRecord]:
    """The records among `held` (text, sig) that verify as `author`'s own at place `aseq` of
    their chain in this group, by hash; with `roster`, but for those void by a cut of their
    author's (Roster.beyond_cut). Where two or more are left, those void for their own checks
    are left out too (core.self_void; `before`: hash -> signed time of the records at the
    place below, chain_rules.Predecessors' entry): no half of a fork either."""
    found: dict[str, SignedRecord] = {}
    for text, sig in held:
        record = own_record(author, aseq, None if text is None else text_of(text), sig, group_id)
        if record is not None and (roster is None or not roster.beyond_cut(record)):
            found[record.hash] = record
    if len(found) > 1:
        found = {digest: record for digest, record in found.items()
                 if void_on_own(record, before, roster) is None}
    return found


def _asked(places: Iterable[Place]) -> list[Place]:
    return sorted({(a, s) for a, s in places
                   if isinstance(a, str) and isinstance(s, int) and not isinstance(s, bool)})


def crowded_places(execute: Execute, places: Iterable[Place],
                   connection: sqlite3.Connection | None = None) -> set[Place]:
    """Those of `places` that more than one row claims, in any of the chained tables: the
    only places that can be forked, and the only ones where the rows a reader has at hand
    (a window of the log) may not be all the records there. `connection`: the one `execute`
    runs on, if the caller has it: then the file's crowded places are kept between calls
    where that gives the same answer (core.fork_candidates)."""
    if connection is not None:
        found = crowded_in_file(connection)
        if found is not None:
            # None in the whole file (nobody forked it): the places asked need not be sorted
            # out (~1 us of a `peers verify` row, twice a window), nothing is among them.
            return found.intersection(_asked(places)) if found else set()
    asked = _asked(places)
    if not asked:
        return set()
    param = json.dumps(asked)
    return {(author, seq) for author, seq in execute(CROWDED, (param,) * len(CHAINED_TABLES))}


def forked_places(execute: Execute, places: Iterable[Place], group_id: str,
                  crowded: set[Place] | None = None, roster: Roster | None = None) -> set[Place]:
    """Those of `places` that are forked, read from the file `execute` runs on. `crowded`:
    crowded_places of a superset of `places`, if the caller has it already. `roster`: the
    membership state whose cuts release places (a record void by one is no half of a fork);
    None only where it is not known yet (invites judged before the log is replayed)."""
    if crowded is not None and not crowded:  # no place of a superset crowded: none forked
        return set()
    asked = _asked(places)
    candidates = crowded_places(execute, asked) if crowded is None else crowded.intersection(asked)
    if not candidates:
        return set()
    return {place for place, found in records_at(execute, candidates, group_id, roster).items()
            if len(found) > 1}


def records_at(execute: Execute, places: Iterable[Place], group_id: str,
               roster: Roster | None = None) -> dict[Place, dict[str, SignedRecord]]:
    """live_records at each of `places` (valid ones: _asked), read from every chained table
    of the file `execute` runs on, with the records at the places below them (what each
    names as its predecessor, for core.self_void)."""
    places = list(places)
    held = _held(execute, set(places) | {(a, s - 1) for a, s in places if s > 1})
    below = by_hash({(a, s - 1): held.get((a, s - 1), []) for a, s in places if s > 1}, group_id)
    return {place: live_records(*place, held.get(place, []), group_id, roster,
                                below.get((place[0], place[1] - 1)))
            for place in places}


def times_below(execute: Execute, place: Place, group_id: str) -> dict[str, int] | None:
    """hash -> signed time of the records of the author's at the place below `place`, in
    every chained table (chain_rules.by_hash): what a record there may name (core.self_void)."""
    author, aseq = place
    if aseq <= 1:
        return None
    below = (author, aseq - 1)
    return by_hash({below: _held(execute, {below}).get(below, [])}, group_id)[below]


def _held(execute: Execute, places: set[Place]) -> dict[Place, list[tuple[Any, Any]]]:
    """(text, sig) of every row at each of `places`, in every chained table."""
    held: dict[Place, list[tuple[Any, Any]]] = {}
    param = json.dumps([list(place) for place in sorted(places)])
    for author, seq, text, sig in execute(HELD, (param,) * len(CHAINED_TABLES)):
        held.setdefault((author, seq), []).append((text, sig))
    return held


__all__ = ["CHAINED_TABLES", "crowded_places", "forked_places", "live_records", "records_at",
           "rows_at_sql", "times_below"]
