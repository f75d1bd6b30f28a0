"""Author chains: every record an author signs in a group (messages, edits, deletions, topics,
imports, invites and revocations) carries its place in that author's own chain (`aseq`) and
the hash of the record before it (`aprev`).

The chain makes a deleted or reordered record show as a gap, gives a removal something to cut
at (membership.Cut), and orders an author's signing times: a record signed earlier than its
author's previous one was backdated. These rules are decided from signed data alone, so every
reader on every host agrees. Functions here run inside a GroupStore session.
"""

from __future__ import annotations

import functools
import json
import operator
from typing import Any

import peewee

from peers_tui.core.encoding import record_hash
from peers_tui.core.errors import DamagedDatabase
from peers_tui.core.ids import ulid_value
from peers_tui.core.kinds import RecordKind
from peers_tui.core.membership import Roster
from peers_tui.core.models import ChainedTable, Invite, Message, prepared, tuples
from peers_tui.core.raw import open_stored as open_record
from peers_tui.core.records import RecordError, SignedRecord

# The record kinds that are links of an author chain.
CHAINED_KINDS = (RecordKind.MSG, RecordKind.INVITE, RecordKind.REVOKE)

# (author, aseq) -> record hash -> signed time, of records that may precede others. Several
# records may claim one place (a forked chain, or junk written into the file): the one a
# successor names by hash is its predecessor, whatever else sits there.
Predecessors = dict[tuple[str, int], dict[str, int]]


def signed_time(text: Any) -> int:
    """The `t` of a stored record's text, or 0 when it has none a reader could use."""
    try:
        value = json.loads(text).get("t") if isinstance(text, str) else None
    except (ValueError, AttributeError, RecursionError):
        return 0
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _signed_columns(message: bool, text: Any) -> list[Any]:
    """What the looked-up columns of a row must hold for its record: a message's target and
    type, an invite's or revocation's key and kind."""
    try:
        data = json.loads(text) if isinstance(text, str) else None
    except (ValueError, RecursionError):
        return [None, None, None]  # matches no row
    if not isinstance(data, dict):
        return [None, None, None]
    return [data.get("target"), data.get("type")] if message else [data.get("key"), data.get("k")]


FORKED = "forked chain: another record of its author holds the same place"
# Signing times a record may carry (epoch ms, 1970 to the end of 9998): beyond them no
# calendar shows it and SQLite cannot store it, so an honest client must never build on one.
SIGNED_TIMES = (0, 253_370_764_799_999)


def predecessors(wanted: set[tuple[str, int]],
                 have: dict[tuple[str, int], list[Any]] | None = None,
                 tables: tuple[ChainedTable, ...] | None = None) -> Predecessors:
    """The records at each wanted chain position: from `have`, else from the file.

    Positions are looked up in both tables that hold chained records (messages and invites),
    a hundred at a time: SQLite answers an OR of (author, seq) pairs with one index search per
    pair, and a row-value IN by scanning the whole index.
    """
    texts: dict[tuple[str, int], list[Any]] = {key: list(value) for key, value in (have or {}).items()
                                               if key in wanted}
    missing = [key for key in wanted if key not in texts]
    for table in tables or (Message, Invite):
        # A row whose looked-up columns are not its record's own is not where readers look for
        # it (a message given a target leaves the log, a revocation given another key revokes
        # nothing): it does not hold its place.
        looked_up = (Message.target, Message.kind) if table is Message else (Invite.key, Invite.kind)
        for start in range(0, len(missing), 100):
            chunk = missing[start:start + 100]
            query = prepared(table, ("predecessors", table.__name__, len(chunk)),
                             [value for pair in chunk for value in pair],
                             lambda: table.select(table.author, table.author_seq, table.record,
                                                  *looked_up).where(functools.reduce(operator.or_, [
                                 (table.author == author) & (table.author_seq == seq)
                                 for author, seq in chunk])))
            for author, seq, text, *columns in tuples(query):
                if (isinstance(author, str) and isinstance(seq, int)
                        and columns == _signed_columns(table is Message, text)):
                    texts.setdefault((author, seq), []).append(text)
    result: Predecessors = {}
    for key, candidates in texts.items():
        result[key] = {record_hash(text): signed_time(text)
                       for text in candidates if isinstance(text, str)}
    return result


def wanted_before(records: list[SignedRecord]) -> set[tuple[str, int]]:
    """The chain positions just before each of these records."""
    wanted = set()
    for record in records:
        aseq = record.data.get("aseq")
        if isinstance(aseq, int) and not isinstance(aseq, bool) and aseq > 1:
            wanted.add((record.author, aseq - 1))
    return wanted


def chain_fields(record: SignedRecord) -> tuple[int, str, int]:
    """(aseq, aprev, mseq) of a chained record; RecordError when any is malformed."""
    data = record.data
    aseq, aprev, mseq = data.get("aseq"), data.get("aprev"), data.get("mseq")
    if (not isinstance(aseq, int) or isinstance(aseq, bool) or not isinstance(aprev, str)
            or not isinstance(mseq, int) or isinstance(mseq, bool)):
        raise RecordError(f"malformed {record.kind} record (author chain)")
    return aseq, aprev, mseq


def check_chain(record: SignedRecord, chain: Predecessors, roster: Roster | None) -> None:
    """Place in the author's chain and time order; RecordError naming the first problem.

    Without a roster (invites, read before the membership log is replayed) the time floor of
    the author's own membership changes is left out; everything else is checked.
    """
    aseq, aprev, mseq = chain_fields(record)
    if aseq < 1:
        raise RecordError("invalid author sequence")
    previous_time = 0
    if aseq == 1:
        if aprev != "":
            raise RecordError("first record of its author claims a predecessor")
    else:
        previous = chain.get((record.author, aseq - 1))
        if not previous:
            raise RecordError("an earlier record by this author is missing (history deleted)")
        if aprev not in previous:
            raise RecordError("does not follow its author's previous record (chain broken)")
        previous_time = previous[aprev]
    signed = record.created_at
    if not SIGNED_TIMES[0] <= signed <= SIGNED_TIMES[1]:
        raise RecordError("signing time out of range (before 1970 or after 9998)")
    if signed < previous_time:
        raise RecordError("backdated: signed earlier than its author's previous record")
    if (roster is not None and 0 <= mseq <= roster.head_seq
            and signed < roster.time_floor(record.author, mseq)):
        raise RecordError("backdated: signed earlier than its author's own membership change")
    if record.kind == "msg" and record.data.get("type") != "imported":
        # The log is ordered by id: an id older than the record's own signed time would
        # place it in the past. Imports keep their original place and say so.
        try:
            placed = ulid_value(str(record.data.get("id"))) >> 80
        except ValueError as exc:
            raise RecordError("malformed message id (not a ULID)") from exc
        if placed < signed:
            raise RecordError("backdated: its id places it before the time it was signed")


def authority_problem(record: SignedRecord, roster: Roster) -> str | None:
    """Why a record that checks out on its own may not use the membership state it names:
    it names a state that does not exist, or it lies beyond a cut of its author's."""
    aseq, _, mseq = chain_fields(record)
    if mseq < 0 or mseq > roster.head_seq:
        return "refers to a membership state that does not exist"
    return roster.cut_problem(record.author, aseq, record.hash, mseq, record.created_at)


def own_head(author: str, group_id: str) -> tuple[int, str, int] | None:
    """The newest *genuine* place of `author`'s chain in this file: (aseq, hash, signed time).

    Rows that do not verify as the author's own are passed over: a junk row written at the
    top of someone's chain must not become what their next record builds on (nor lend it a
    time far in the future, nor be what a removal cuts at).
    """
    best: tuple[int, str, int] | None = None
    for table in (Message, Invite):
        rows = (table.select(table.author_seq, table.record, table.sig)
                .where(table.author == author).order_by(table.author_seq.desc()))
        # However many junk rows sit on top, the newest genuine one below them is found.
        for aseq, text, sig in tuples(rows):
            if best is not None and not (isinstance(aseq, int) and aseq > best[0]):
                break
            record = _own_record(author, aseq, text, sig, group_id)
            if record is not None:
                best = (aseq, record.hash, record.created_at)
                break
    return best


def _own_record(author: str, aseq: Any, text: Any, sig: Any, group_id: str) -> SignedRecord | None:
    """The record of a row if it verifies as `author`'s own at place `aseq`, else None."""
    try:
        record = open_record(text, sig, group_id=group_id, kind=CHAINED_KINDS)
    except RecordError:
        return None
    if (record.author != author or record.data.get("aseq") != aseq
            or not SIGNED_TIMES[0] <= record.created_at <= SIGNED_TIMES[1]):
        return None
    return record


def next_link(author: str, group_id: str, roster: Roster,
          label: str) -> tuple[dict[str, Any], int]:
    """The chain fields of `author`'s next record (after their newest one of any kind,
    under the membership state this write sees), and the earliest time it may be signed
    at: an honest client never signs backwards, whatever its clock did (see "backdated")."""
    head = own_head(author, group_id)
    floor = max(head[2] if head else 0, roster.time_floor(author, roster.head_seq))
    following = head[0] + 1 if head else 1
    if Message.select().where((Message.author == author)
                              & (Message.author_seq == following)).exists():
        raise DamagedDatabase(
            f"{label}: a record you did not sign holds your next place in your chain "
            "(the file was tampered with; see 'peers verify'); nothing was written")
    return ({"aseq": following, "aprev": head[1] if head else "",
             "mseq": roster.head_seq}, floor)


def seen_head(author: str, group_id: str) -> tuple[int, str] | None:
    """Where a removal, demotion or leave cuts `author`'s chain: the highest genuine record
    reached by following their chain up from its first record, (aseq, hash), or None.

    A record standing above a gap was not seen as part of the chain: a member expecting
    removal could otherwise file one record far up their chain so the cut lands there, and
    fill the places below it afterwards under the authority they had lost. The walk follows
    hashes (cheap); only where two records claim one place, and for the head, are signatures
    checked, so a junk row can neither stop the walk nor become the head.
    """
    places: dict[int, list[tuple[Any, Any, Any]]] = {}
    for table in (Message, Invite):
        # SQLite reads each `aprev` (json_valid first: json_extract fails the whole query on
        # one malformed row); parsing every record in Python costs ten times as much.
        aprev = peewee.Case(None, [(peewee.fn.json_valid(table.record),
                                    peewee.fn.json_extract(table.record, "$.aprev"))], None)
        query = (table.select(table.author_seq, table.record, table.sig, aprev)
                 .where(table.author == author))
        for aseq, text, sig, named in tuples(query):
            if isinstance(aseq, int) and not isinstance(aseq, bool) and isinstance(text, str):
                places.setdefault(aseq, []).append((text, sig, named))
    walked: list[tuple[int, str, Any]] = []
    previous = ""
    while (len(walked) + 1) in places:
        aseq = len(walked) + 1
        linked = [(text, sig) for text, sig, named in places[aseq] if named == previous]
        if len(linked) > 1:
            linked = [(t, s) for t, s in linked if _own_record(author, aseq, t, s, group_id)]
            if len({record_hash(text) for text, _ in linked}) > 1:
                break  # the author forked their own chain here: nothing above it was seen
        if not linked:
            break
        text, sig = linked[0]
        previous = record_hash(text)
        walked.append((aseq, text, sig))
    for aseq, text, sig in reversed(walked):
        record = _own_record(author, aseq, text, sig, group_id)
        if record is not None:
            return aseq, record.hash
    return None



def chain_heads() -> dict[str, tuple[int, str]]:
    """Every author's newest chain position in this file: what a reader pins."""
    tops: dict[str, int] = {}
    for table in (Message, Invite):
        query = (table.select(table.author, peewee.fn.MAX(table.author_seq))
                 .where(table.author.is_null(False)).group_by(table.author))
        for author, top in tuples(query):
            if isinstance(author, str) and isinstance(top, int):
                tops[author] = max(top, tops.get(author, 0))
    found = predecessors(set(tops.items()))
    return {author: (top, min(found[(author, top)])) for author, top in tops.items()
            if found.get((author, top))}
