"""Rows of this host's file in the way of a record arriving from another host that are no
record of their author's: they hold no place, no message id and no import id.

A row counts at a place of an author's chain only if it verifies as that author's record
there (README rule 2, `chain_rules.own_record`: its signature, kind and group, its author and
place, a signing time a record may carry); the readers already judge by that rule
(`chain_rules.by_hash`). The relay deciding about an arriving record took any row at its
place for the place's holder: junk written into a receiving host's file (a bad signature,
another key's record under the author's name, another group's record, bytes that are no
record, a signing time no record may carry) turned the genuine record arriving there into
evidence of a fork, kept out of the message table, so that host's log and heads differed from
every other host's.

So a row found where an arriving record would go (its place, its message id, its import id)
that is not byte for byte the arriving record is verified (the only added check; a place
found empty, the live path's usual case, costs nothing more), and one that does not verify
holds nothing. A junk row of the message table would still block the insert (one row a
place, a message id, an import id), so it is set aside into `fork_evidence`, kept as it was
(never deleted: `peers verify` names it there, `core.audit`), where nothing counts it: every
reader and relay looks a place up there verified (`chain_rules.by_hash`, `core.forks`,
`rows._kept_evidence`). Junk in the invite table blocks nothing and stays.
Runs inside the applying transaction and the store's session.
"""

from __future__ import annotations

from typing import Any

from peers_tui.core.chain_rules import own_record
from peers_tui.core.chains import execute_here
from peers_tui.core.forks import times_below
from peers_tui.core.group_store import GroupStore
from peers_tui.core.membership import Roster
from peers_tui.core.own_place import set_aside_messages
from peers_tui.core.raw_values import text_of
from peers_tui.core.records import SignedRecord
from peers_tui.core.self_void import void_on_own
from peers_tui.relay import deleted_tops

# A stored row the arriving records were compared with: (table, rowid, author, aseq, text,
# sig); the table is None for a record of the batch itself (judged with the batch).
Row = tuple[Any, ...]
BATCH = None
# The arriving batch's records by place: hash -> signed time (batch_admit.without_stored).
Times = dict[tuple[str, int], dict[str, int]]


def holds(row: Row, record: SignedRecord, group_id: str) -> bool:
    """Whether `row` holds what `record` would take: it is the record itself (the batch's, or
    byte for byte the same) or its author's own record at its place."""
    table, _, author, aseq, text, sig = row
    if table is BATCH or (text == record.text and sig == record.sig):
        return True
    if text is None or sig is None:
        return False
    return own_record(author, aseq, text_of(text), sig, group_id) is not None


def times_before(store: GroupStore, record: SignedRecord,
                 batch: Times | None = None) -> dict[str, int] | None:
    """hash -> signed time of the records of `record`'s author at the place below its own,
    in this file and in the arriving batch (`batch`: place -> hash -> signed time): what
    core.self_void judges it by."""
    aseq = record.data.get("aseq")
    if not isinstance(aseq, int) or isinstance(aseq, bool):
        return None
    before = times_below(execute_here, (record.author, aseq), store.group_id)
    if batch and (record.author, aseq - 1) in batch:
        before = {**(before or {}), **batch[(record.author, aseq - 1)]}
    return before


def void_alone(store: GroupStore, record: SignedRecord, roster: Roster | None,
               batch: Times | None = None) -> bool:
    """Whether `record` (its author's own at its place) is void for its own checks
    (core.self_void, by `times_before`): it holds no place against another record of its
    author's (core.forks: no half of a fork)."""
    return void_on_own(record, times_before(store, record, batch), roster) is not None


def released(row: Row, store: GroupStore, roster: Roster | None, batch: Times | None = None) -> bool:
    """Whether `row` is its author's record at its place void by a cut of theirs (README rule
    4) or for its own checks (`void_alone`): it holds no place against another record of
    theirs (core.forks: no half of a fork)."""
    table, _, author, aseq, text, sig = row
    if table is BATCH or text is None or sig is None:
        return False
    record = own_record(author, aseq, text_of(text), sig, store.group_id)
    return record is not None and ((roster is not None and roster.beyond_cut(record))
                                   or void_alone(store, record, roster, batch))


def clear_junk(store: GroupStore, record: SignedRecord, message_id: Any, by_id: dict[Any, Row],
                at_place: list[Row] | None, imports: dict[tuple[Any, Any], Row],
                origin: tuple[Any, Any], roster: Roster | None = None,
                batch: Times | None = None) -> None:
    """Take the rows in `record`'s way that hold nothing (junk_places.holds) out of these
    lookups, setting those of the message table aside; also a record at its place that a
    cut of its author's (with `roster`) or its own checks void (`released`), for a record not
    void so (`batch`: as for void_alone). Nothing found, nothing checked."""
    found = [row for row in (by_id.get(message_id), imports.get(origin)) if row is not None]
    if not found and not at_place:
        return
    junk = [row for row in found + (at_place or []) if not holds(row, record, store.group_id)]
    others = [row for row in at_place or () if row not in junk
              and not (row[4] == record.text and row[5] == record.sig)]
    if others and not (roster is not None and roster.beyond_cut(record)) \
            and not void_alone(store, record, roster, batch):
        junk += [row for row in others if released(row, store, roster, batch)]
    if not junk:
        return
    set_aside(store, junk)
    gone = {(row[0], row[1]) for row in junk}
    if at_place:
        at_place[:] = [row for row in at_place if (row[0], row[1]) not in gone]
    row = by_id.get(message_id)
    if row is not None and (row[0], row[1]) in gone:
        del by_id[message_id]
    row = imports.get(origin)
    if row is not None and (row[0], row[1]) in gone:
        del imports[origin]


def set_aside(store: GroupStore, rows: list[Row]) -> None:
    """Move these junk rows of the message table into `fork_evidence` as they are
    (core.own_place.set_aside_messages: as a writer does for junk at their own next place)."""
    moved = [row[1] for row in rows if row[0] == "message"]
    if moved:
        set_aside_messages(store.db, moved)
        deleted_tops.note_deletion(store.db)


__all__ = ["BATCH", "Row", "Times", "clear_junk", "holds", "released", "set_aside", "times_before",
           "void_alone"]
