"""Applying other hosts' records to a group file: ordinary commits, the checks of local writes.

One batch of one group is one IMMEDIATE transaction (so the notifier sees an ordinary
commit). Each record goes in under a savepoint and is judged by the same functions local
writes and readers use (`open_record`, `apply_change`, `check_chain`, HistoryReader); a
record that fails is rolled back and refused with the reason, one whose predecessor (an
earlier membership change, an earlier record of its author, the invite a join names, the
message an edit changes) has not arrived yet waits. Records are retried in rounds until no
more go in, so a batch need not arrive in dependency order.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peewee
from peewee import SQL

from peers_tui.core.kinds import RecordKind
from peers_tui.core import joined_history, search
from peers_tui.core.chain_rules import non_member
from peers_tui.core.chains import check_chain, chain_fields, predecessors, wanted_before
from peers_tui.core.frontier import not_yet_received
from peers_tui.core.group_store import GroupStore, group_id_of
from peers_tui.core.history import HistoryReader
from peers_tui.core.membership import Roster, apply_change, invite_terms
from peers_tui.core.models import Invite, Message
from peers_tui.core.raw import text_of
from peers_tui.core.records import RecordError, SignedRecord, open_record
from peers_tui.relay import row_writes, rows
from peers_tui.relay.apply_batch import apply_messages
from peers_tui.relay.chain_evidence import keep_evidence
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.evidence import keep_as_evidence, place_taken
from peers_tui.relay.plain_evidence import as_message
from peers_tui.relay.voided import take_out_voided

DUPLICATE, APPLIED, REPLACED = "duplicate", "applied", "replaced"
# What readers say about a record whose predecessor is simply not here yet.
DEPENDENCY_REASONS = ("an earlier record by this author is missing",
                      "refers to a membership state that does not exist",
                      "join names an unknown invite", "revokes an unknown invite")


class Refused(Exception):
    """The record fails a check: quarantined with this reason."""


class Waiting(Exception):
    """Something the record depends on has not arrived: held back with this reason."""


@dataclass
class Outcome:
    applied: list[Envelope] = field(default_factory=list)
    duplicates: list[Envelope] = field(default_factory=list)
    waiting: list[tuple[Envelope, str]] = field(default_factory=list)
    refused: list[tuple[Envelope, str]] = field(default_factory=list)
    # This host's own membership changes that lost the race at the hub (origin left empty).
    lost: list[tuple[Envelope, str]] = field(default_factory=list)
    rescan: bool = False  # this host's records were set aside for the hub's (hub_holds_id)


def _verdict(reason: str) -> Exception:
    if any(reason.startswith(prefix) for prefix in DEPENDENCY_REASONS):
        return Waiting(reason)
    return Refused(reason)


def apply_records(hub: Path, group_id: str, envelopes: list[Envelope], *,
                  create: bool, hub_order: bool = False,
                  store: GroupStore | None = None,
                  then: Callable[[Any], None] | None = None,
                  commit_later: list[contextlib.ExitStack] | None = None) -> Outcome | None:
    """Apply `envelopes` (all of `group_id`) to `<hub>/<group_id>.db`.

    Without the file: with `create` it is made from the batch's genesis (checked against the
    group id); otherwise None (this host does not replicate the group). With `hub_order`
    (records from the hub's federation stream) the hub's membership order wins: a change of
    this host's at a place the hub gave another change is taken out (`Outcome.lost`).
    `store` is this file's store if the caller keeps one open (its checks are remembered).
    `then(db)` runs in the same transaction after the batch's rows (a backfill's position:
    one commit a page, not two). With `commit_later` (a file that exists) the checked batch's
    transaction is left open and appended there: its `close()` commits (the hub republishes
    first, intake.py).
    """
    outcome = Outcome()
    kept = False
    path = hub / f"{group_id}.db"
    geneses = [e for e in envelopes if e.table == "genesis"]
    others = [e for e in envelopes if e.table != "genesis"]
    if not path.exists():
        if not create:
            return None
        store = _found(hub, group_id, geneses, outcome)
        if store is None:
            outcome.waiting.extend((e, "the group's genesis has not arrived") for e in others)
            return outcome
    else:
        kept = store is not None
        store = store or GroupStore(path, group_id)
        genesis_text = store.genesis().text
        for envelope in geneses:
            if envelope.text == genesis_text:
                outcome.duplicates.append(envelope)
            else:
                outcome.refused.append((envelope, "another genesis than this group's"))
    store.require_writable()
    transaction = contextlib.ExitStack()
    with transaction:
        if not kept:
            transaction.callback(store.close)
        transaction.enter_context(store.session())
        transaction.enter_context(store.db.atomic())
        _apply_to(store, others, outcome, hub_order, then)
        if commit_later is not None:
            commit_later.append(transaction.pop_all())
    return outcome


def _found(hub: Path, group_id: str, geneses: list[Envelope], outcome: Outcome) -> GroupStore | None:
    for envelope in geneses:
        try:
            record = open_record(envelope.text, envelope.sig, group_id=None, kind=RecordKind.GENESIS)
            if group_id_of(record) != group_id:
                raise RecordError("genesis of another group (its hash is not the group id)")
        except RecordError as exc:
            outcome.refused.append((envelope, str(exc)))
            continue
        outcome.applied.append(envelope)
        return row_writes.create_group_file(hub, record, group_id)
    return None


def _apply_to(store: GroupStore, envelopes: list[Envelope], outcome: Outcome,
              hub_order: bool, then: Callable[[Any], None] | None = None) -> None:
    """Membership changes and invites one by one, messages a batch at a time, in rounds
    until nothing more goes in (a message may wait for a change, an invite for a message);
    in the caller's transaction (apply_records)."""
    touched: set[str] = set()
    # A backfill page's names, if named: with the file's top before the page's rows, and
    # written after them, once the page's records are opened (joined_history.expect).
    top = joined_history.top_rowid(store.db) if joined_history.any_named(store.group_id) else None
    # Messages alone change no membership: the roster verified last is the one to use.
    singles = any(e.table != "msg" for e in envelopes)
    roster = store.roster() if singles else store.current_roster()
    # Evidence of a place first: the records built on it are judged with it here.
    for envelope in (e for e in envelopes if e.table == "evidence"):
        if not hub_order and as_message(store, roster, envelope, outcome.applied, touched):
            continue  # evidence of nothing: a message (plain_evidence.py)
        kept = keep_evidence(store, envelope, touched, roster)
        if isinstance(kept, str):
            outcome.refused.append((envelope, kept))
        else:
            (outcome.applied if kept else outcome.duplicates).append(envelope)
    others = [e for e in envelopes if e.table not in ("msg", "evidence")]
    messages = [e for e in envelopes if e.table == "msg"]
    waiting: list[tuple[Envelope, str]] = []
    while True:
        roster, others_waiting, progress = _apply_singly(store, roster, others, outcome,
                                                         hub_order)
        batch = apply_messages(store, roster, messages, hub_order)
        outcome.rescan |= batch.rescan
        outcome.applied += batch.applied
        outcome.duplicates += batch.duplicates
        outcome.refused += batch.refused
        touched |= batch.touched
        waiting = others_waiting + batch.waiting
        if not (progress or batch.applied) or not waiting:
            break
        others = [e for e, _ in others_waiting]
        messages = [e for e, _ in batch.waiting]
    outcome.waiting.extend(waiting)
    if top is not None:
        joined_history.write_named(store.db, store.group_id, top)
    if any(e.table == "member" for e in outcome.applied):
        outcome.lost += take_out_voided(store, store.roster(), touched)
    _reindex(store, roster, touched)
    if then is not None:
        then(store.db)


def _apply_singly(store: GroupStore, roster: Roster, envelopes: list[Envelope], outcome: Outcome,
                  hub_order: bool) -> tuple[Roster, list[tuple[Envelope, str]], bool]:
    """One pass over membership changes and invites, each under its own savepoint."""
    waiting: list[tuple[Envelope, str]] = []
    progress = False
    for envelope in envelopes:
        try:
            with store.db.atomic():
                result = _apply_one(store, roster, envelope, outcome.lost if hub_order else None)
        except Waiting as exc:
            waiting.append((envelope, str(exc)))
            continue
        except Refused as exc:
            outcome.refused.append((envelope, str(exc)))
            continue
        except (sqlite3.IntegrityError, peewee.IntegrityError):
            outcome.refused.append((envelope, "conflicts with a record stored here"))
            continue
        if result == DUPLICATE:
            outcome.duplicates.append(envelope)
            continue
        outcome.applied.append(envelope)
        progress = True
        if envelope.table == "invite" or result == REPLACED:  # the state changed under it
            roster = store.roster()
    return roster, waiting, progress


def _apply_one(store: GroupStore, roster: Roster, envelope: Envelope,
               lost: list[tuple[Envelope, str]] | None) -> str:
    """`lost` is given when the hub's order wins (see apply_records)."""
    gid = store.group_id
    try:
        if envelope.table == "member":
            return _apply_member(store, roster, open_record(
                envelope.text, envelope.sig, envelope.cosig, group_id=gid, kind=RecordKind.MEMBER), lost)
        return _apply_invite(store, roster, open_record(
            envelope.text, envelope.sig, group_id=gid, kind=(RecordKind.INVITE, RecordKind.REVOKE)))
    except RecordError as exc:
        raise _verdict(str(exc)) from exc


def _apply_member(store: GroupStore, roster: Roster, record: SignedRecord,
                  lost: list[tuple[Envelope, str]] | None) -> str:
    seq = record.data.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise Refused("malformed membership change (seq)")
    if roster.chain.get(seq) == record.hash:
        return DUPLICATE
    if seq in roster.chain and lost is not None:
        _lose_race(store, seq, lost)
        fresh = store.roster()
        apply_change(fresh, seq, record, store.invites()[0])  # RecordError: refused, undone
        row_writes.insert_member(record, seq)
        return REPLACED
    if seq in roster.chain:
        raise Refused(f"membership fork: change {seq} here is another change "
                      "(the hub's order wins)")
    if seq > roster.head_seq + 1:
        raise Waiting(f"membership change {roster.head_seq + 1} not yet received")
    terms, _ = store.invites()
    apply_change(roster, seq, record, terms)  # RecordError: roster left as it was
    row_writes.set_aside_from(seq, dict(roster.problems))
    row_writes.insert_member(record, seq)
    return APPLIED


def _lose_race(store: GroupStore, seq: int, lost: list[tuple[Envelope, str]]) -> None:
    """Take this host's changes from `seq` on out of the log: the hub ordered another change
    there, and ours (and what was built on it) never counted anywhere else."""
    from peers_tui.core.models import GroupMember

    for row in GroupMember.select().where(GroupMember.seq >= seq).order_by(GroupMember.seq):
        envelope = Envelope(store.group_id, "member", text_of(row.record), bytes(row.sig or b""),
                            bytes(row.cosig) if row.cosig else None, "")
        lost.append((envelope, f"lost the race for membership change {seq}: the hub ordered "
                               "another change there first; make the change again"))
    GroupMember.delete().where(GroupMember.seq >= seq).execute()


def _apply_invite(store: GroupStore, roster: Roster, record: SignedRecord) -> str:
    if record.kind != "invite":
        raise Refused("a revocation outside the membership log does not count")
    stored: list[Any] = list(Invite.select(Invite.record, Invite.sig).where(
        Invite.key == record.data.get("key")).tuples())
    # The same text with its signature spoiled is junk, no copy of it (junk_places).
    if any(text_of(text) == record.text and isinstance(sig, (bytes, memoryview))
           and bytes(sig) == record.sig for text, sig in stored):
        return DUPLICATE
    aseq, _, mseq = chain_fields(record)
    if place_taken(record, store.group_id, roster):  # the author forked their chain: kept, as on every host (evidence.py)
        return APPLIED if keep_as_evidence(record)[0] else DUPLICATE
    _check_place(record, store.group_id, roster, aseq, mseq)
    terms = invite_terms(record)
    reason = rows.void_invite_reason(roster, terms)
    if reason:
        raise Refused(reason)
    row_writes.insert_invite(record)
    if terms.digest not in rows.genuine_invite_digests(store, roster):
        found = {p.where: p.reason for p in store.invites()[1]}
        raise _verdict(found.get(f"invite {terms.key[:8]}", "invite that does not verify"))
    return APPLIED


def _check_place(record: SignedRecord, group_id: str, roster: Roster, aseq: int,
                 mseq: int) -> None:
    """The membership state and the author's previous record must be here; the chain must
    hold (RecordError otherwise)."""
    if mseq > roster.head_seq:
        raise Waiting(f"membership state {mseq} not yet received")
    if non_member(record, roster):  # refused as readers say, not held for its chain
        raise Refused(str(non_member(record, roster)))
    chain = predecessors(wanted_before([record]), group_id=group_id)
    if aseq > 1 and not chain.get((record.author, aseq - 1)) \
            and not not_yet_received(record.author, aseq - 1):
        raise Waiting("an earlier record by this author is missing (not yet received)")
    check_chain(record, chain, roster)


def _reindex(store: GroupStore, roster: Roster, touched: set[str]) -> None:
    """Search entries of the touched messages from their final state (an edit may arrive
    after a later edit of the same message, or a deletion before it)."""
    if not touched:
        return
    primaries: list[Any] = list(Message.with_rowid().where(Message.id.in_(list(touched)) & Message.target.is_null()))
    for row, view in zip(primaries, HistoryReader(roster, store.group_id).views(primaries)):
        if view.deleted or not view.verified or view.kind not in search.SEARCHABLE_KINDS:
            search.unindex(store.db, row.rowid)
        else:
            search.index(store.db, row.rowid, view.body)
