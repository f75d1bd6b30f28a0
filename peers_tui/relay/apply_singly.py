"""Applying other hosts' membership changes and invites to a group file, one at a time: each
under its own savepoint, judged as a local write is (`open_record`, `apply_change`,
`check_chain`), refused with the reason or held back while what it depends on (an earlier
change, the author's previous record, the membership state it names) has not arrived.

Separate from relay.apply, which runs a batch's rounds in one transaction and applies its
messages a page at a time (relay.apply_batch): a membership change or an invite changes the
state the next one is judged by, so they go in singly, and the hub's membership order (a
change of this host's at a place the hub gave another: `lose_race`) is decided here.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Protocol

import peewee

from peers_tui.core.encoding import now_ms
from peers_tui.core.kinds import RecordKind
from peers_tui.core.relay_notes import author_of, note_lost
from peers_tui.core.message_rules import AHEAD_OF_HUB, FOLLOW_AHEAD_MS
from peers_tui.core.chain_rules import non_member
from peers_tui.core.chains import check_chain, chain_fields, predecessors, wanted_before
from peers_tui.core.frontier import not_yet_received
from peers_tui.core.group_store import GroupStore
from peers_tui.core.membership import Roster, apply_change, invite_terms
from peers_tui.core.models import Invite
from peers_tui.core.raw import text_of
from peers_tui.core.records import PAST_64_BITS, RecordError, SignedRecord, open_record, past_64_bits
from peers_tui.relay import row_writes, rows
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.evidence import keep_as_evidence, place_taken

DUPLICATE, APPLIED, REPLACED = "duplicate", "applied", "replaced"
# What readers say about a record whose predecessor is simply not here yet.
DEPENDENCY_REASONS = ("an earlier record by this author is missing",
                      "refers to a membership state that does not exist",
                      "join names an unknown invite", "revokes an unknown invite")


class Refused(Exception):
    """The record fails a check: quarantined with this reason."""


class Waiting(Exception):
    """Something the record depends on has not arrived: held back with this reason."""

class Tally(Protocol):
    """Where a pass puts each record (relay.apply's Outcome)."""

    applied: list[Envelope]
    duplicates: list[Envelope]
    refused: list[tuple[Envelope, str]]
    lost: list[tuple[Envelope, str]]
    origins: dict[str, str]


def _verdict(reason: str) -> Exception:
    if any(reason.startswith(prefix) for prefix in DEPENDENCY_REASONS):
        return Waiting(reason)
    return Refused(reason)


def apply_singly(store: GroupStore, roster: Roster, envelopes: list[Envelope], outcome: Tally,
                 hub_order: bool) -> tuple[Roster, list[tuple[Envelope, str]], bool]:
    """One pass over membership changes and invites, each under its own savepoint."""
    waiting: list[tuple[Envelope, str]] = []
    progress = False
    for envelope in envelopes:
        # What this change takes out counts only if it goes in: undone with its savepoint,
        # a change that then waited listed the same losers again at each try.
        lost: list[tuple[Envelope, str]] = []
        try:
            with store.db.atomic():
                result = _apply_one(store, roster, envelope, lost if hub_order else None)
        except Waiting as exc:
            waiting.append((envelope, str(exc)))
            continue
        except Refused as exc:
            outcome.refused.append((envelope, str(exc)))
            continue
        except (sqlite3.IntegrityError, peewee.IntegrityError):
            outcome.refused.append((envelope, "conflicts with a record stored here"))
            continue
        outcome.lost += lost
        if result == DUPLICATE:
            outcome.duplicates.append(envelope)
            continue
        outcome.applied.append(envelope)
        outcome.origins[author_of(envelope.text)] = envelope.origin  # (relay/origins.py)
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
            envelope.text, envelope.sig, group_id=gid, kind=(RecordKind.INVITE, RecordKind.REVOKE)),
            at_hub=lost is None)
    except RecordError as exc:
        raise _verdict(str(exc)) from exc


def _apply_member(store: GroupStore, roster: Roster, record: SignedRecord,
                  lost: list[tuple[Envelope, str]] | None) -> str:
    seq = record.data.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise Refused("malformed membership change (seq)")
    if past_64_bits(seq):  # it waited for that place for good (fourteenth attack pass)
        raise Refused(f"malformed membership change: its place is {PAST_64_BITS}")
    if roster.chain.get(seq) == record.hash:
        return DUPLICATE
    if lost is None and record.created_at > now_ms() + FOLLOW_AHEAD_MS:
        # The hub, where changes are sequenced: an admin's signed time carries on to every
        # later event and bounds every invite's expiry, so one change signed in the year
        # 9997 placed every later one there and expired every invite, for good (thirteenth
        # attack pass).
        raise Refused(AHEAD_OF_HUB)
    if seq in roster.chain and lost is not None:
        lose_race(store, seq, lost)
        fresh = store.roster()
        apply_change(fresh, seq, record, store.invites()[0])  # RecordError: refused, undone
        row_writes.insert_member(record, seq)
        return REPLACED
    if seq in roster.chain:
        raise Refused(f"membership fork: change {seq} here is another change "
                      "(the hub's order wins)")
    if seq > roster.head_seq + 1:
        raise Waiting(f"membership change {roster.head_seq + 1} not yet received")
    if lost is not None and record.data.get("prev") != roster.head_hash:
        # The hub's order names another change before this one than this file's: this
        # host's own, which the hub's change there (waiting, say, for its invite) will take
        # out. Refused now, the hub's change would never come again and the log would stay
        # behind the hub's for good (soak seed 3303, test_relay_race_lost_behind.py).
        raise Waiting(f"membership change {seq - 1} here is not the hub's yet")
    terms, _ = store.invites()
    apply_change(roster, seq, record, terms)  # RecordError: roster left as it was
    row_writes.set_aside_from(seq, dict(roster.problems), record.text)
    row_writes.insert_member(record, seq)
    return APPLIED


def lose_race(store: GroupStore, seq: int, lost: list[tuple[Envelope, str]]) -> None:
    """Take this host's changes from `seq` on out of the log: the hub ordered another change
    there, and ours (and what was built on it) never counted anywhere else."""
    from peers_tui.core.models import GroupMember

    taken: list[tuple[int, str, str]] = []
    for row in GroupMember.select().where(GroupMember.seq >= seq).order_by(GroupMember.seq):
        envelope = Envelope(store.group_id, "member", text_of(row.record), bytes(row.sig or b""),
                            bytes(row.cosig) if row.cosig else None, "")
        lost.append((envelope, f"lost the race for membership change {seq}: the hub ordered "
                               "another change there first; make the change again"))
        taken.append((int(row.seq), envelope.hash, author_of(envelope.text)))
    GroupMember.delete().where(GroupMember.seq >= seq).execute()
    note_lost(store.path, taken)  # for the clients that pinned them (core.relay_notes)


def _apply_invite(store: GroupStore, roster: Roster, record: SignedRecord,
                  at_hub: bool = False) -> str:
    if record.kind != "invite":
        raise Refused("a revocation outside the membership log does not count")
    stored: list[Any] = list(Invite.select(Invite.record, Invite.sig).where(
        Invite.key == record.data.get("key")).tuples())
    # The same text with its signature spoiled is junk, no copy of it (junk_places).
    if any(text_of(text) == record.text and isinstance(sig, (bytes, memoryview))
           and bytes(sig) == record.sig for text, sig in stored):
        return DUPLICATE
    if at_hub and stored and roster.invite_uses.get(str(record.data.get("key"))):
        # A join that names no invite record (signed before `irec`) must satisfy every
        # claim of its key: a narrower one would undo it and the log after it (twelfth
        # attack pass). Honest clients never claim a key twice; the hub carries none.
        raise Refused("claims the key of an invite a join has used already")
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
