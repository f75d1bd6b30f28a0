"""Records of this host's file that a removal arriving from the hub has made void.

A member removed (or demoted, or gone) on one host while they post from a host cut off from it:
the removal names the last record of theirs its signer had seen (the cut), and everything of
theirs beyond it that names an earlier membership state is void (roster.cut_problem). The hub
refuses such records when they arrive, so they never reach anyone else; on the host where they
were written they are already in the file. When the removal arrives there, they are taken out
of the file in the same transaction — into the relay's quarantine with the reason, so nothing
is destroyed — and every host ends with the same records and a clean `peers verify`.
"""

from __future__ import annotations

from typing import Any

from peers_tui.core import search
from peers_tui.core.chains import chain_fields
from peers_tui.core.group_store import GroupStore
from peers_tui.core.kinds import RecordKind
from peers_tui.core.membership import Roster
from peers_tui.core.models import Invite, Message
from peers_tui.core.raw import text_of
from peers_tui.core.records import RecordError, open_record
from peers_tui.relay import deleted_tops
from peers_tui.relay.envelope import Envelope


def take_out_voided(store: GroupStore, roster: Roster) -> list[tuple[Envelope, str]]:
    """Delete the messages and invites that lie beyond a cut of their author; return them
    with the reason (call inside the applying transaction)."""
    voided: list[tuple[Envelope, str]] = []
    for author, cuts in roster.cuts.items():
        if not cuts:
            continue
        lowest = min(cut.aseq for cut in cuts)
        messages: list[Any] = list(Message.with_rowid().where(
            (Message.author == author) & (Message.author_seq > lowest)))
        for row in messages:
            reason = _void_reason(store, roster, text_of(row.record), bytes(row.sig), RecordKind.MSG)
            if reason:
                search.unindex(store.db, row.rowid)
                Message.delete().where(Message.id == row.id).execute()
                deleted_tops.note_deletion(store.db)
                voided.append((Envelope(store.group_id, "msg", text_of(row.record),
                                        bytes(row.sig), None, ""), reason))
        invites: list[Any] = list(Invite.select().where(
            (Invite.author == author) & (Invite.author_seq > lowest)))
        for row in invites:
            reason = _void_reason(store, roster, text_of(row.record), bytes(row.sig),
                                  (RecordKind.INVITE, RecordKind.REVOKE))
            if reason:
                Invite.delete().where(Invite.id == row.id).execute()
                deleted_tops.note_deletion(store.db)
                voided.append((Envelope(store.group_id, "invite", text_of(row.record),
                                        bytes(row.sig), None, ""), reason))
    return voided


def _void_reason(store: GroupStore, roster: Roster, text: str, sig: bytes, kind: Any) -> str | None:
    try:
        record = open_record(text, sig, group_id=store.group_id, kind=kind)
        aseq, _, mseq = chain_fields(record)
    except RecordError:
        return None  # not a record at all: the readers' business, not a cut's
    return roster.cut_problem(record.author, aseq, record.hash, mseq, record.created_at)
