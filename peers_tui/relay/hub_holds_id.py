"""Two records with one message id: the hub's order decides which holds it, on every host
(docs/relay.md, "One message id, two records: what holds it").

The message table holds one record an id. Each host kept whichever came first and refused
the other ("another record holds this message id here"), so a modified client that signs two
records with one id and sends them through two hosts at once left a leaf with its own record,
which the hub refused, for good. As for membership, the hub's file is the one order:

- The hub keeps the first record of an id it sees (a stored one, or the first of its batch
  that goes in) and keeps the other in `fork_evidence`, where it holds its place in its
  author's chain, and republishes it as evidence only (`settle`). A record is then carried
  as a message in the federation stream only if the hub's message table holds it.
- A leaf applying a message of the federation stream (only the hub publishes there:
  permissions.py) whose id a message row of its own file holds sets that row aside into
  `fork_evidence` as the hub's record goes in (`contest`, `make_way`). The row is this host's own
  (a record of the stream is never another at the same id), written here and not yet sent, or
  refused at the hub: its scan then ships it as evidence (rows._kept_evidence). A record
  the hub accepted is never displaced: the hub keeps it, so no other of its id comes.
- What stands on the record set aside: its author's later records name it by hash and it
  holds its place, so they stand. A change its author signed for that id would now change
  another author's message: one the readers find void for that (an edit, a deletion by one
  who is no admin) is set aside with it (`void_changes`: at the hub as it arrives, at the
  leaf where the record was set aside), not refused, so their chain goes on everywhere.

A member cannot take another's id this way: the hub holds the original before another host
can read its id, and a copy is only evidence there, set aside on the copier's host too.
(`apply_records(..., hub_order=True)` is what says a record is of the federation stream.)
Runs inside the applying transaction and the store's session.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from peers_tui.core.chain_rules import non_member, own_record
from peers_tui.core.group_store import GroupStore
from peers_tui.core.history import HistoryReader
from peers_tui.core.membership import Roster
from peers_tui.core.models import Message
from peers_tui.core.raw_values import text_of
from peers_tui.core.records import SignedRecord
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.evidence import keep_as_evidence
from peers_tui.relay.junk_places import BATCH, Row, set_aside

Opened = tuple[Envelope, SignedRecord, dict[str, Any]]
# What the readers say of a change of another author's message that only its author may make.
OTHER_AUTHORS = ("edited by someone other than its author",
                 "deleted by someone who is neither its author nor an admin")
# A record whose id the first record of its batch took at the hub, which then did not go in
# (and waits: `retried` tries it again at once when that one was refused).
BATCH_HELD = "another record of its batch held this message id (tried again)"


def as_evidence(envelope: Envelope) -> Envelope:
    """How the hub carries on a record it keeps in fork_evidence: never as a message."""
    return replace(envelope, table="evidence")


def contest(store: GroupStore, item: Opened, same: Row, fresh: list[Opened],
            contested: list[Opened], ordered: bool, result: Any) -> bool:
    """`item` arrives with an id that `same` holds here (a row, or a record of the batch).
    True when it goes on to be applied (a leaf yields its own row to the hub's record);
    otherwise it is refused, or left for `settle` (the hub)."""
    envelope, record, columns = item
    if ordered:
        if same[0] == "message":  # this file's row: the hub holds another record at its id
            result.yielded[str(columns["id"])] = same  # set aside once it goes in (make_way)
            return True
        result.refused.append((envelope, "another record holds this message id here"))
        return False
    if same[0] is BATCH and same[2] == record.author and same[3] > columns["author_seq"]:
        # One author's two records of one id in one batch: the earlier place holds it (the
        # later names it by hash, and would wait for it for good).
        [holder] = [entry for entry in fresh if entry[2]["id"] == columns["id"]]
        fresh.remove(holder)
        contested.append(holder)
        return True
    contested.append(item)
    return False


def make_way(store: GroupStore, ready: list[Opened], result: Any) -> None:
    """A leaf: the rows of this file whose ids records of the federation stream about to go
    in hold, set aside into fork_evidence (its scan ships them as evidence: intake.py). A
    record that waits takes its id when it goes in, in a later batch."""
    going = {str(columns["id"]) for _, _, columns in ready}
    result.yielded = {key: row for key, row in result.yielded.items() if key in going}
    if result.yielded:
        set_aside(store, list(result.yielded.values()))
        result.touched.update(result.yielded)
        result.rescan = True


def settle(store: GroupStore, roster: Roster, contested: list[Opened], result: Any,
           last: bool = False) -> list[Opened]:
    """The hub: each record whose id another record held when it arrived, kept as evidence
    if its author may write here at all, when another record holds the id now; those whose
    id nothing holds yet are returned (a record of the batch held it: asked again once the
    batch is in), or with `last` wait (the first of the batch did not go in: tried again)."""
    db = store.db
    left = []
    for envelope, record, columns in contested:
        found = db.execute_sql("SELECT record FROM message WHERE id = ?",
                               (columns["id"],)).fetchone()
        if found is None:
            if last:
                result.waiting.append((envelope, BATCH_HELD))
            else:
                left.append((envelope, record, columns))
        elif text_of(found[0]) == record.text:
            result.duplicates.append(envelope)
        elif record.data["mseq"] > roster.head_seq:
            result.waiting.append((envelope, f"membership state {record.data['mseq']} not yet"
                                   " received"))
        elif non_member(record, roster):
            result.refused.append((envelope, str(non_member(record, roster))))
        else:
            stored, void = keep_as_evidence(record)
            (result.applied if stored else result.duplicates).append(as_evidence(envelope))
            result.touched |= void
    return left


def retried(result: Any, apply: Callable[[list[Envelope]], Any]) -> Any:
    """The hub: the records left waiting for a record of their batch that held their id
    (`settle`, BATCH_HELD), tried again at once by `apply` (in the same transaction) when no
    record of their id waits any more: the one that held it was refused, so it never goes
    in, and they waited for the group's next batch (none may come). One whose id a waiting
    record holds waits on: that record came first and takes the id if it goes in. Each round
    the first of an id goes in, waits or is refused, so this ends."""
    again = [envelope for envelope, reason in result.waiting if reason == BATCH_HELD]
    if not again:
        return result
    waiting_ids = {_message_id(envelope) for envelope, reason in result.waiting
                   if reason != BATCH_HELD}
    again = [envelope for envelope in again if _message_id(envelope) not in waiting_ids]
    if not again:
        return result
    result.waiting = [(envelope, reason) for envelope, reason in result.waiting
                      if envelope not in again]
    more = apply(again)
    result.count_in(more)
    result.waiting += more.waiting
    result.touched |= more.touched
    result.yielded.update(more.yielded)
    return result


def _message_id(envelope: Envelope) -> object:
    try:
        data = json.loads(envelope.text)
    except ValueError:
        return None
    return data.get("id") if isinstance(data, dict) else None


def void_changes(store: GroupStore, changes: dict[str, tuple[SignedRecord, str]]) -> set[str]:
    """Of these changes the readers found void (id: record, reason), those void only because
    the message they change is another author's, whose id their author's own record, set
    aside, held: kept in fork_evidence instead of refused (their ids)."""
    kept: set[str] = set()
    for change_id, (record, reason) in changes.items():
        target = record.data.get("target")
        if reason not in OTHER_AUTHORS or not isinstance(target, str):
            continue
        if _own_set_aside(store, record.author, target):  # (its row is deleted already)
            keep_as_evidence(record)
            kept.add(change_id)
    return kept


def _own_set_aside(store: GroupStore, author: str, target: str) -> bool:
    """Whether `author`'s own record of message id `target` is in fork_evidence while another
    author's record holds that id."""
    found = store.db.execute_sql(
        "SELECT f.author_seq, f.record, f.sig FROM fork_evidence AS f JOIN message AS m"
        " ON m.id = ?1 AND m.target IS NULL AND m.author != f.author"
        " WHERE f.author = ?2 AND json_valid(f.record)"
        " AND json_extract(f.record, '$.id') = ?1", (target, author)).fetchall()
    return any(own_record(author, aseq, text_of(text), sig, store.group_id) is not None
               for aseq, text, sig in found)


def after_yielding(store: GroupStore, roster: Roster, yielded: dict[str, Row]) -> None:
    """A leaf that set its own rows of these ids aside (make_way): the changes of those ids
    their authors stored here that are void now they change the hub's record go into
    fork_evidence too, as the hub keeps them (void_changes)."""
    for message_id, row in yielded.items():
        author = row[2]
        rows = list(Message.with_rowid().where((Message.id == message_id) & Message.target.is_null()))
        if not rows or rows[0].author == author:
            continue
        judged = HistoryReader(roster, store.group_id).judge(rows)
        void = {change.id: change.reason for change in judged.forged.get(message_id, ())
                if change.author_id == author and change.reason in OTHER_AUTHORS}
        if void and _own_set_aside(store, author, message_id):
            set_aside(store, [tuple(change) for change in store.db.execute_sql(
                "SELECT 'message', rowid, author, author_seq, record, sig FROM message"
                f" WHERE id IN ({','.join('?' * len(void))})", list(void)).fetchall()])


__all__ = ["BATCH_HELD", "OTHER_AUTHORS", "after_yielding", "as_evidence", "contest", "make_way",
           "retried", "settle", "void_changes"]
