"""A second record at a taken place of its author's chain, arriving from another host: kept as
evidence of the fork, not refused.

The fork rule (core.forks) voids every record at a place of an author's chain that two
different records of theirs hold. It is a pure function of the signed records, so hosts
agree only if they hold the same records: refusing the second one at the hub (as the relay
did) left the host where the fork was written voiding both, every other host keeping the
first as genuine, and a late joiner keeping whichever came first newest-first. So every
host keeps every record of a fork, and the hub carries it on like any record: the message
table holds one record a place, so the later one goes into `fork_evidence` (an invite could
go into its own table, but one place to look keeps apply and backfill simple).

Only a record signed by its author for that place is kept (the caller opened it with its
group and kind), and only where another record of theirs holds the place: a row there that
is no record of its author's holds no place (README rule 2), so an arriving record at a
place only junk holds is applied, not kept as evidence (`place_taken`; the batch apply sets
a junk message row aside first, relay/junk_places.py), and a lone genuine record beside junk
is not void (core.forks). Runs inside the applying transaction and the store's session.
"""

from __future__ import annotations

from typing import Any

from peers_tui.core.chain_rules import own_record
from peers_tui.core.chains import execute_here
from peers_tui.core.forks import times_below
from peers_tui.core.membership import Roster
from peers_tui.core.models import Invite, Message, tuples
from peers_tui.core.raw_values import text_of
from peers_tui.core.records import SignedRecord
from peers_tui.core.self_void import void_on_own


# One statement, not three built by Peewee (~0.8 ms each, most of a void walk's move:
# docs/relay.md, "The void walk a turn at a time (h-voidwalk)").
_HELD_AT = " UNION ALL ".join(f"SELECT record, sig FROM {table} WHERE author = ?1 AND"
                              f" author_seq = ?2" for table in ("message", "invite",
                                                               "fork_evidence"))
_KEEP = ("INSERT INTO fork_evidence (author, author_seq, kind, record, sig)"
         " VALUES (?, ?, ?, ?, ?)")


def held_at(author: str, aseq: int) -> list[tuple[Any, Any]]:
    """(text, sig) of every row at this place of the author's chain, in any table."""
    return [(text, sig) for text, sig in execute_here(_HELD_AT, (author, aseq))]


def place_taken(record: SignedRecord, group_id: str, roster: Roster | None = None) -> bool:
    """Whether another record of its author than this one holds its place in the message or
    invite table: a row there that is no record of theirs holds none (chain_rules.own_record,
    relay/junk_places.py), so junk written into this file never makes an arriving record
    evidence of a fork here alone. With `roster`, a record void by a cut of its author's is
    no half of a fork (core.forks), nor is one void for its own checks (core.self_void): one
    there holds nothing against an arriving record, and an arriving one is no evidence (it is
    judged, and refused, as any void record)."""
    aseq = record.data.get("aseq")
    if roster is not None and roster.beyond_cut(record):
        return False
    held_there = []
    for table in (Message, Invite):
        for text, sig in tuples(table.select(table.record, table.sig).where(
                (table.author == record.author) & (table.author_seq == aseq))):
            text = None if text is None else text_of(text)
            held = None if text == record.text else own_record(record.author, aseq, text, sig,
                                                                group_id)
            if held is not None and (roster is None or not roster.beyond_cut(held)):
                held_there.append(held)
    if not held_there or not isinstance(aseq, int):
        return False
    before = times_below(execute_here, (record.author, aseq), group_id)
    return void_on_own(record, before, roster) is None and any(
        void_on_own(held, before, roster) is None for held in held_there)


def keep_as_evidence(record: SignedRecord) -> tuple[bool, set[str]]:
    """Store `record` as evidence of its author's fork at its place: (stored, the ids of the
    messages there whose search entries must be judged again: they are void now). Not
    stored when the same record is here already (a duplicate)."""
    aseq = int(record.data["aseq"])  # the caller checked its chain fields (chain_fields)
    if any(text is not None and text_of(text) == record.text
           for text, _ in held_at(record.author, aseq)):
        return False, set()
    execute_here(_KEEP, (record.author, aseq, str(record.kind), record.text, record.sig))
    touched = {str(target if target is not None else message_id)
               for message_id, target in execute_here(
                   "SELECT id, target FROM message WHERE author = ? AND author_seq = ?",
                   (record.author, aseq))}
    return True, touched


__all__ = ["held_at", "keep_as_evidence", "place_taken"]
