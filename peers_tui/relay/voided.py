"""Records of this host's file that a removal arriving from the hub has made void.

A member removed (or demoted, or gone) on one host while they post from a host cut off from it:
the removal names the last record of theirs its signer had seen (the cut), and everything of
theirs beyond it that names an earlier membership state is void (roster.cut_problem). The hub
refuses such records when they arrive, so they never reach anyone else; on the host where they
were written they are already in the file. So are the records a leaver signed after their
leave (by their own clock) under an older state, whatever their place (roster.Cut.until), on a
host that applied them before the leave arrived. When the change arrives there, they are taken out
of the file in the same transaction — into the relay's quarantine with the reason, so nothing
is destroyed — and every host ends with the same records and a clean `peers verify`.
Where the change was written rather than applied, the relay's scan does the same when the
file's membership log moves (voided_here.py).

A record void by a cut is no half of a fork (core.forks): where this host kept another record
of the author's at the place of one taken out, as evidence of a fork that the cut has since
shown to be none (the two came in one batch before the cut was known, relay/apply_batch.py),
that record takes the place in the message table if it is genuine there (`_take_released`):
it is the record the author signed again above the cut, and every other host shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import peewee

from peers_tui.core import search
from peers_tui.core.chains import chain_fields
from peers_tui.core.group_store import GroupStore
from peers_tui.core.kinds import RecordKind
from peers_tui.core.membership import Roster
from peers_tui.core.chain_rules import own_record
from peers_tui.core.history import HistoryReader
from peers_tui.core.models import ForkEvidence, Invite, Message, tuples
from peers_tui.core.opened_records import columns_of
from peers_tui.core.raw import text_of
from peers_tui.core.records import RecordError, open_record
from peers_tui.core.whereabouts import home_of
from peers_tui.relay import deleted_tops
from peers_tui.relay.origins import recorded
from peers_tui.relay.batch_judge import INSERT
from peers_tui.relay.envelope import Envelope


def take_out_voided(store: GroupStore, roster: Roster, touched: set[str] | None = None,
                    unscanned: Unscanned | None = None) -> list[tuple[Envelope, str]]:
    """Delete the messages and invites that lie beyond a cut of their author; return them
    with the reason (call inside the applying transaction). The ids of messages that took a
    released place (`_take_released`) are added to `touched` (their search entries).
    Each comes back under the host it came from, which the file does not keep: the host
    this relay applied its author's records from, else the one they live on (`came_from`),
    so a voided record is listed under one host on every host (`relay rejected`); "" where
    no host is known (the caller's own then), and for a row `unscanned` says was written into
    this file, not applied to it: its author's records came from another host, this one did
    not (a forged row in this host's file was counted under that host, thirtieth pass)."""
    voided: list[tuple[Envelope, str]] = []
    released: set[tuple[str, int]] = set()
    hub = Path(store.path).parent
    for author, cuts in roster.cuts.items():
        if not cuts:
            continue
        origin: str | None = None  # looked up once an author, at their first void record
        lowest = min(cut.aseq for cut in cuts)
        # ... and, below it, what they signed after leaving (a leave's clock: Cut.until)
        until = min((cut.until for cut in cuts if cut.until is not None), default=None)
        messages: list[Any] = list(Message.with_rowid().where(
            (Message.author == author) & _beyond(Message, lowest, until)))
        for row in messages:
            reason = _void_reason(store, roster, text_of(row.record), bytes(row.sig), RecordKind.MSG)
            if reason:
                search.unindex(store.db, row.rowid)
                Message.delete().where(Message.id == row.id).execute()
                deleted_tops.note_deletion(store.db)
                released.add((author, row.author_seq))
                origin = came_from(hub, store.group_id, author) if origin is None else origin
                envelope = Envelope(store.group_id, "msg", text_of(row.record), bytes(row.sig),
                                    None, origin)
                if unscanned is not None and unscanned("msg", row.rowid, envelope.hash):
                    envelope = replace(envelope, origin="")
                voided.append((envelope, reason))
        invites: list[Any] = list(Invite.select().where(
            (Invite.author == author) & _beyond(Invite, lowest, until)))
        for row in invites:
            reason = _void_reason(store, roster, text_of(row.record), bytes(row.sig),
                                  (RecordKind.INVITE, RecordKind.REVOKE))
            if reason:
                Invite.delete().where(Invite.id == row.id).execute()
                deleted_tops.note_deletion(store.db)
                origin = came_from(hub, store.group_id, author) if origin is None else origin
                envelope = Envelope(store.group_id, "invite", text_of(row.record),
                                    bytes(row.sig), None, origin)
                if unscanned is not None and unscanned("invite", row.id, envelope.hash):
                    envelope = replace(envelope, origin="")
                voided.append((envelope, reason))
    for place in sorted(released):
        taken = _take_released(store, roster, *place)
        if taken is not None and touched is not None:
            touched.add(taken)
    return voided


@dataclass(frozen=True)
class Unscanned:
    """Whether a row of this file was written into it by a process of this host rather than
    applied by the relay, which the file does not keep: a row above the relay's scan
    positions whose record the relay neither sent nor applied (`known`)."""

    message_after: int
    invite_after: int
    known: Callable[[str], bool]

    def __call__(self, table: str, place: int, digest: str) -> bool:
        after = self.message_after if table == "msg" else self.invite_after
        return place > after and not self.known(digest)


def came_from(hub: Path, group_id: str, author: str) -> str:
    """The host `author`'s records came from: the one this relay applied their last record
    from (relay/origins.py), else the one presence says they live on (whereabouts.home_of,
    this host's own where their profile is here), else "" (the caller's own name then)."""
    return recorded(hub, group_id, author) or home_of(hub, author) or ""


def _beyond(table: Any, lowest: int, until: int | None) -> Any:
    """Rows above the lowest cut's place, or signed after a leave's time (json_valid first:
    json_extract fails the whole query on one malformed row)."""
    above = table.author_seq > lowest
    if until is None:
        return above
    signed = peewee.Case(None, [(peewee.fn.json_valid(table.record),
                                 peewee.fn.json_extract(table.record, "$.t"))], None)
    return above | (signed > until)


def _take_released(store: GroupStore, roster: Roster, author: str, aseq: int) -> str | None:
    """The one genuine message of `author` at `aseq` kept in fork_evidence that no cut voids,
    moved into the message table's place a void one left; its id, or None (none, or two:
    a fork)."""
    if Message.select().where((Message.author == author) & (Message.author_seq == aseq)).exists():
        return None
    found = []
    for key, text, sig in tuples(ForkEvidence.select(
            ForkEvidence.id, ForkEvidence.record, ForkEvidence.sig).where(
            (ForkEvidence.author == author) & (ForkEvidence.author_seq == aseq))):
        record = own_record(author, aseq, None if text is None else text_of(text), sig,
                            store.group_id)
        if record is not None and record.kind == RecordKind.MSG and not roster.beyond_cut(record):
            found.append((key, record))
    if len({record.hash for _, record in found}) != 1:
        return None
    key, record = found[0]
    columns = columns_of(record)
    if columns["target"] is not None or Message.select().where(
            Message.id == columns["id"]).exists():
        return None  # (a change of a message: left to the readers, as kept)
    store.db.execute_sql(INSERT, (
        columns["id"], author, aseq, columns["kind"], columns["created_at"], columns["body"],
        record.text, record.sig, columns["target"], columns["reply_to"], columns["orig_id"]))
    row = Message.with_rowid().where(Message.id == columns["id"]).get()
    if HistoryReader(roster, store.group_id).problems([row]):
        Message.delete().where(Message.id == columns["id"]).execute()  # judged as it was
        deleted_tops.note_deletion(store.db)
        return None
    ForkEvidence.delete().where(ForkEvidence.id == key).execute()
    return str(columns["id"])


def _void_reason(store: GroupStore, roster: Roster, text: str, sig: bytes, kind: Any) -> str | None:
    try:
        record = open_record(text, sig, group_id=store.group_id, kind=kind)
        aseq, _, mseq = chain_fields(record)
    except RecordError:
        return None  # not a record at all: the readers' business, not a cut's
    return roster.cut_problem(record.author, aseq, record.hash, mseq, record.created_at)
