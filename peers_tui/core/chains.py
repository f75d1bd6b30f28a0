"""Author chains: every record an author signs in a group (messages, edits, deletions, topics,
imports, invites and revocations) carries its place in that author's own chain (`aseq`) and
the hash of the record before it (`aprev`).

The chain makes a deleted or reordered record show as a gap, gives a removal something to cut
at (membership.Cut), and orders an author's signing times: a record signed earlier than its
author's previous one was backdated. These rules are decided from signed data alone, so every
reader on every host agrees. Functions here run inside a GroupStore session.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from typing import Any

import peewee

from peers_tui.core import frontier, own_copy, own_place, own_restore
from peers_tui.core.chain_rules import (
    CHAINED_KINDS, FORKED, SIGNED_TIMES, Predecessors, authority_problem, build_on, by_hash, chain_fields,
    check_chain as check_complete_chain, holds_place, link_after, newest_own, own_record, signed_time,
    wanted_before,
)
from peers_tui.core.encoding import record_hash
from peers_tui.core.forks import crowded_places, forked_places, live_records, times_below
from peers_tui.core.membership import Roster
from peers_tui.core.raw import INTEGER_SEQ
from peers_tui.core.models import ChainedTable, ForkEvidence, Invite, Message, prepared, tuples
from peers_tui.core.records import SignedRecord
from peers_tui.core.self_void import void_on_own


def any_of(terms: list[Any]) -> Any:
    """The OR of `terms` as a balanced tree: a chain of a hundred (a left-deep tree, as
    functools.reduce makes it) nests a hundred parentheses, past SQLite's parser stack
    ("parser stack overflow"), which a relay's scan of a file missing many rows met: the
    file was taken for damaged and nothing of it was sent (docs/relay.md, "Every host a
    full replica")."""
    while len(terms) > 1:
        terms = [terms[i] | terms[i + 1] if i + 1 < len(terms) else terms[i]
                 for i in range(0, len(terms), 2)]
    return terms[0]


def predecessors(wanted: set[tuple[str, int]],
                 have: dict[tuple[str, int], list[tuple[Any, Any]]] | None = None,
                 tables: tuple[ChainedTable, ...] | None = None, *,
                 group_id: str) -> Predecessors:
    """The records of group `group_id` at each wanted chain position: from `have` (text and
    signature of the rows there), else from the file.

    Positions are looked up in both tables that hold chained records (messages and invites),
    a hundred at a time: SQLite answers an OR of (author, seq) pairs with one index search per
    pair, and a row-value IN by scanning the whole index.
    """
    texts: dict[tuple[str, int], list[tuple[Any, Any]]] = {
        key: list(value) for key, value in (have or {}).items() if key in wanted}
    missing = [key for key in wanted if key not in texts]
    for table in tables or (Message, Invite, ForkEvidence):
        # A row whose looked-up columns are not its record's own is not where readers look for
        # it (a message given a target leaves the log, a revocation given another key revokes
        # nothing): it does not hold its place. Evidence of a fork is looked up by place alone.
        looked_up = ((Message.target, Message.kind) if table is Message
                     else (Invite.key, Invite.kind) if table is Invite else ())
        for start in range(0, len(missing), 100):
            chunk = missing[start:start + 100]
            query = prepared(table, ("predecessors", table.__name__, len(chunk)),
                             [value for pair in chunk for value in pair],
                             lambda: table.select(table.author, table.author_seq, table.record,
                                                  table.sig, *looked_up).where(any_of([
                                 (table.author == author) & (table.author_seq == seq)
                                 for author, seq in chunk])))
            for author, seq, text, sig, *columns in tuples(query):
                if holds_place(table is Message, author, seq, text, columns) if looked_up \
                        else isinstance(author, str) and isinstance(seq, int):
                    texts.setdefault((author, seq), []).append((text, sig))
    return by_hash(texts, group_id)


def within_frontier(records: list[SignedRecord], chain: Predecessors) -> Predecessors:
    """`chain` with the places a backfill has not brought yet (frontier.py) filled by what each
    record says is before it, its link checked when that arrives. A place the floors call here
    that `chain` lacks came with a walk's page after `chain` was read: read again (not deleted)."""
    filled: Predecessors | None = None
    again: set[tuple[str, int]] = set()
    for record in records:
        aseq, aprev = record.data.get("aseq"), record.data.get("aprev")
        if (isinstance(aseq, int) and not isinstance(aseq, bool) and aseq > 1
                and isinstance(aprev, str) and not chain.get((record.author, aseq - 1))):
            if frontier.not_yet_received(record.author, aseq - 1):
                filled = dict(chain) if filled is None else filled
                filled[(record.author, aseq - 1)] = {aprev: 0}
            elif frontier.active():
                again.add((record.author, aseq - 1))
    if again:
        filled = {**(filled or chain), **predecessors(again, group_id=str(records[0].data.get("g")))}
    return chain if filled is None else filled


def check_chain(record: SignedRecord, chain: Predecessors, roster: Roster | None) -> None:
    """chain_rules.check_chain, for a file that may be in the middle of a backfill."""
    check_complete_chain(record, within_frontier([record], chain), roster)


def own_head(author: str, group_id: str) -> tuple[int, str, int] | None:
    """The newest *genuine* place of `author`'s chain in this file: (aseq, hash, signed time).

    Rows that do not verify as the author's own are passed over: a junk row written at the
    top of someone's chain must not become what their next record builds on (nor lend it a
    time far in the future, nor be what a removal cuts at). A record of theirs set aside into
    fork_evidence (its message id held by another record: relay/hub_holds_id.py) holds its place.
    """
    best: tuple[int, str, int] | None = None
    for table in (Message, Invite, ForkEvidence):
        rows = (table.select(table.author_seq, table.record, table.sig)
                .where(table.author == author).order_by(table.author_seq.desc()))
        best = newest_own(author, group_id, tuples(rows), best)
    return best


def next_link(author: str, group_id: str, roster: Roster, label: str, *,
              message: bool = True, pin: tuple[int, str] | None = None,
              kept: own_copy.Copy | None = None) -> tuple[dict[str, Any], int, int | None]:
    """The chain fields of `author`'s next record (after their newest one of any kind,
    under the membership state this write sees; after their own `pin` if the file lost it:
    chain_rules.build_on), the earliest time it may be signed at (an honest client never
    signs backwards, whatever its clock did: see "backdated"), and the rowid its message
    row must take (None: SQLite's own choice).

    A row of the message table at that place is junk (a row of theirs there would be their
    head): set aside for a record going into the message table (`message`), left where it
    is for an invite, which it does not block (core/own_place.py).
    `kept`: the copy of the pinned record personal.db keeps, put back first when the file lost
    it (core/own_copy.py), so the record follows it with no gap."""
    link, floor = link_after(author, whole_head(author, group_id, label, pin, kept), roster, pin)
    rowid = own_place.clear(author, link["aseq"], group_id, label, message=message)
    return link, floor, rowid


def whole_head(author: str, group_id: str, label: str, pin: tuple[int, str] | None,
               kept: own_copy.Copy | None) -> tuple[int, str, int] | None:
    """`author`'s own head in this file (own_head), after the kept copy of their pinned record
    went back in when the file lost it (core/own_restore.py; inside the writing transaction)."""
    head = own_head(author, group_id)
    if pin is not None and build_on(head, pin) != head and own_restore.restore(
            author, pin, kept, group_id, label):
        return own_head(author, group_id)
    return head


def seen_head(author: str, group_id: str, roster: Roster | None = None) -> tuple[int, str] | None:
    """Where a removal, demotion or leave cuts `author`'s chain: (aseq, hash) of
    `seen_head_record`, or None."""
    found = seen_head_record(author, group_id, roster)
    return (found[0], found[1].hash) if found is not None else None


def seen_head_record(author: str, group_id: str, roster: Roster | None = None) -> Any:
    """Where a removal, demotion or leave cuts `author`'s chain: the highest genuine record
    reached by following their chain up from its first record, (aseq, record), or None.
    With `roster` (the state the change is made in) a record void by an earlier cut of theirs
    is passed over: it is no half of a fork (core.forks), and nothing was seen on it.

    A record standing above a gap was not seen as part of the chain: a member expecting
    removal could otherwise file one record far up their chain so the cut lands there, and
    fill the places below it afterwards under the authority they had lost. In a file whose
    join's history walk is under way (core.frontier), places below the author's floor are not
    yet received, not missing: the walk steps over them, so a removal made there cuts at the
    newest of their records the host holds, not at nothing (which voided their whole history
    on every host). A gap at or above the floor still ends it. The walk follows
    hashes (cheap); only where two records claim one place, and for the head, are signatures
    checked, so a junk row can neither stop the walk nor become the head.
    """
    places: dict[int, list[tuple[Any, Any, Any]]] = {}
    for table in (Message, Invite, ForkEvidence):  # a fork is a fork wherever it is kept
        # SQLite reads each `aprev` (json_valid first: json_extract fails the whole query on
        # one malformed row); parsing every record in Python costs ten times as much.
        aprev = peewee.Case(None, [(peewee.fn.json_valid(table.record),
                                    peewee.fn.json_extract(table.record, "$.aprev"))], None)
        mseq = peewee.Case(None, [(peewee.fn.json_valid(table.record),
                                   peewee.fn.json_extract(table.record, "$.mseq"))], None)
        query = (table.select(table.author_seq, table.record, table.sig, aprev, mseq)
                 .where(table.author == author))
        for aseq, text, sig, named, state in tuples(query):
            if isinstance(aseq, int) and not isinstance(aseq, bool) and isinstance(text, str) \
                    and not (roster is not None and isinstance(state, int)
                             and roster.beyond_cut_at(author, aseq, state)):
                places.setdefault(aseq, []).append((text, sig, named))
    walked: list[tuple[int, str, Any]] = []
    previous: str | None = ""
    previous_time = 0
    aseq, present, floors = 1, sorted(places), frontier.floors()
    while True:
        if aseq not in places:
            # A join's walk has not brought this place yet (below the author's floor): the
            # places up to the next one here are history on its way, not a gap; the record
            # there is taken on its own signed data, as the chain checks take it.
            at = bisect.bisect_right(present, aseq)
            if floors is None or at == len(present) \
                    or present[at] - 1 >= floors.get(author, present[at]):
                break
            aseq, previous = present[at], None
        linked = [(text, sig) for text, sig, named in places[aseq]
                  if previous is None or named == previous]
        if len(linked) > 1:  # a record void on its own is no half of a fork (core.self_void)
            live = live_records(author, aseq, linked, group_id, roster,
                                None if previous is None else {previous: previous_time})
            if len(live) > 1:
                break  # the author forked their own chain here: nothing above it was seen
            linked = [(record.text, record.sig) for record in live.values()]
        if not linked:
            break
        text, sig = linked[0]
        previous, previous_time = record_hash(text), signed_time(text)
        walked.append((aseq, text, sig))
        aseq += 1
    for aseq, text, sig in reversed(walked):
        record = own_record(author, aseq, text, sig, group_id)
        if record is not None:
            return aseq, record
    return None



def chain_heads(group_id: str, among: Iterable[str] | None = None,
                roster: Roster | None = None) -> dict[str, tuple[int, str]]:
    """Every author's newest genuine chain position in this file: what a reader pins, and
    what hosts compare. The columns only say where to look: a row counts only if it verifies
    as that author's record for this group at that place (verified_top), so a junk row
    claiming a high place moves no one's head, and every host holding the same genuine
    records pins the same heads whatever else its file holds. `among`: only these authors
    (the group's members: a key that never was one has no chain that counts). With `roster`,
    a record void by a cut of its author's (core.forks) is not the head where another record
    of theirs holds the same place: every host pins the live one, whichever it holds first."""
    authors: set[str] = set()
    for table in (Message, Invite):
        query = table.select(table.author).where(table.author.is_null(False)).distinct()
        authors.update(author for (author,) in tuples(query) if isinstance(author, str))
    if among is not None:
        authors.intersection_update(among)
    found: dict[str, tuple[int, str]] = {}
    for author in authors:
        top = verified_top(author, group_id)
        if top is not None:
            found[author] = (top, min(_own_hashes(author, top, group_id, roster)))
    return found


def verified_top(author: str, group_id: str) -> int | None:
    """The highest place of `author`'s chain that a row in this file holds as their own
    record (signature, group, author and place from the signed data; the row's looked-up
    columns its record's own), or None. Walks down from the top of the columns' places, so
    one signature check an author and table when no junk sits above the genuine head."""
    top: int | None = None
    for table in (Message, Invite):
        looked_up = ((Message.target, Message.kind) if table is Message
                     else (Invite.key, Invite.kind))
        rows = (table.select(table.author_seq, table.record, table.sig, *looked_up)
                .where((table.author == author) & INTEGER_SEQ).order_by(table.author_seq.desc()))
        for aseq, text, sig, *columns in tuples(rows):
            if not isinstance(aseq, int) or (top is not None and aseq <= top):
                break
            if (holds_place(table is Message, author, aseq, text, columns)
                    and own_record(author, aseq, text, sig, group_id) is not None):
                top = aseq
                break
    return top


def _own_hashes(author: str, aseq: int, group_id: str,
                roster: Roster | None = None) -> set[str]:
    """The hashes of the records `author` signed for place `aseq` found in this file (two or
    more: a forked chain, kept in any of the three tables); where two or more are, but for
    those void for their own checks (core.self_void: no half of a fork)."""
    records: dict[str, SignedRecord] = {}
    released: set[str] = set()  # void by a cut of theirs: the head only if nothing else is
    for table in (Message, Invite, ForkEvidence):
        looked_up = ((Message.target, Message.kind) if table is Message
                     else (Invite.key, Invite.kind) if table is Invite else ())
        rows = (table.select(table.record, table.sig, *looked_up)
                .where((table.author == author) & (table.author_seq == aseq)))
        for text, sig, *columns in tuples(rows):
            record = own_record(author, aseq, text, sig, group_id)
            if record is not None and (not looked_up or holds_place(
                    table is Message, author, aseq, text, columns)):
                if roster is not None and roster.beyond_cut(record):
                    released.add(record.hash)
                else:
                    records[record.hash] = record
    if len(records) > 1:
        before = times_below(execute_here, (author, aseq), group_id)
        alone = {digest for digest, record in records.items()
                 if void_on_own(record, before, roster) is None}
        return alone or set(records)
    return set(records) or released


def execute_here(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """A query on the group file the models are bound to (core.forks' `execute`)."""
    return list(Message._meta.database.execute_sql(sql, params).fetchall())


def crowded_here(places: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
    """core.forks.crowded_places in the group file the models are bound to (in a session)."""
    return crowded_places(execute_here, places, Message._meta.database.connection())


def forked_here(places: Iterable[tuple[str, int]], group_id: str,
                crowded: set[tuple[str, int]] | None = None,
                roster: Roster | None = None) -> set[tuple[str, int]]:
    """core.forks.forked_places in the group file the models are bound to (in a session)."""
    return forked_places(execute_here, places, group_id, crowded, roster)


__all__ = [
    "CHAINED_KINDS", "FORKED", "SIGNED_TIMES", "Predecessors", "authority_problem", "chain_fields",
    "chain_heads", "check_chain", "crowded_here", "forked_here", "execute_here", "next_link", "own_head", "whole_head", "predecessors", "seen_head",
    "signed_time", "verified_top", "wanted_before",
]
