"""An "evidence" envelope whose record is evidence of nothing, at the hub: applied as the
message it is (docs/relay.md, "Attack pass on the new rules").

Evidence is a record kept in `fork_evidence` because something displaces it: another record
of its author at its place (a fork, evidence.py), another record of its message id
(hub_holds_id.py), or its own verdict (a void record a genuine one names, a change void for
the id its author lost: chain_evidence.py). A genuine message that nothing contests is none
of these, but the hub kept it so all the same: a leaf's relay operator (or anyone able to
move an unsent row into the leaf's `fork_evidence`, which its scan ships as evidence) made
every host hide a member's message from its log, `peers verify` silent everywhere, their
later records standing on it. So the hub first tries such a record as a message, in a
savepoint: when the batch apply takes it as a message (applied, not evidence), it is one and
the hub carries it as one; anything else (refused, waiting, kept as evidence there) is
undone and the envelope is kept as evidence, as before. Leaves keep what the hub carries.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from peers_tui.core.chain_rules import chain_fields
from peers_tui.core.group_store import GroupStore
from peers_tui.core.kinds import RecordKind
from peers_tui.core.membership import Roster
from peers_tui.core.opened_records import open_message
from peers_tui.core.records import RecordError
from peers_tui.relay.apply_batch import apply_messages
from peers_tui.relay.envelope import Envelope

_CONTESTED = ("SELECT 1 FROM message WHERE id = ?1 OR (author = ?2 AND author_seq = ?3)"
              " UNION ALL SELECT 1 FROM invite WHERE author = ?2 AND author_seq = ?3"
              " UNION ALL SELECT 1 FROM fork_evidence WHERE author = ?2 AND author_seq = ?3"
              " LIMIT 1")


def as_message(store: GroupStore, roster: Roster, envelope: Envelope, applied: list[Envelope],
               touched: set[str]) -> bool:
    """The hub: `envelope` (evidence) applied as a message when it is a genuine one that no
    row of this file contests (True: the message added to `applied`, the messages whose
    search entries change to `touched`), else False and nothing changed."""
    try:
        record = open_message(envelope.text, envelope.sig, group_id=store.group_id,
                              kind=RecordKind.MSG)
        aseq = chain_fields(record)[0]  # a place past 64 bits: no lookup (fourteenth pass)
    except RecordError:
        return False
    data: Any = record.data
    if not isinstance(data.get("id"), str):
        return False
    if store.db.execute_sql(_CONTESTED, (data["id"], record.author, aseq)).fetchone():
        return False
    message = replace(envelope, table="msg")
    with store.db.atomic() as savepoint:
        batch = apply_messages(store, roster, [message])
        if [(e.table, e.text) for e in batch.applied] != [("msg", message.text)]:
            savepoint.rollback()
            return False
    applied.extend(batch.applied)
    touched |= batch.touched
    return True


__all__ = ["as_message"]
