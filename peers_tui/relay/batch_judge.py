"""The records a batch admitted (relay/batch_admit.py), inserted with one executemany and
judged in place by HistoryReader.judge, the function `peers log` and `peers verify` use
(relay/apply_batch.py): rows it does not find genuine are deleted again inside the same
transaction, so nobody ever sees them, and wait (a dependency still to come) or are refused
with its reason; their successors are judged again without them."""

from __future__ import annotations

import json
from typing import Any

from peewee import SQL

from peers_tui.core import search
from peers_tui.core.chains import FORKED
from peers_tui.core.changes_alone import problems_alone
from peers_tui.core.group_store import GroupStore
from peers_tui.core.history import HistoryReader
from peers_tui.core.membership import Roster
from peers_tui.core.models import Message
from peers_tui.core.records import SignedRecord
from peers_tui.relay import deleted_tops
from peers_tui.relay.batch_places import rows_among
from peers_tui.relay.batch_outcome import BatchOutcome
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.hub_holds_id import as_evidence, void_changes
from peers_tui.relay.links import void_broken_links
from peers_tui.relay.stored_rows import rows_as_inserted, rows_with_ids

INSERT = ("INSERT INTO message (id, author, author_seq, kind, created_at, body, record, sig,"
          " target, reply_to, orig_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)")
DEPENDENCY_REASONS = ("an earlier record by this author is missing",
                      "refers to a membership state that does not exist")
# During a backfill a record may name a predecessor that is still to come even though another
# record holds its place: the other record of a fork (evidence.py). It waits for it.
NOT_FOLLOWING = "does not follow its author's previous record"


def _among(ids: list[str]) -> Any:
    """`Message.id.in_()` operand for many ids: one JSON parameter, not a node per id."""
    return SQL("(SELECT value FROM json_each(?))", [json.dumps(ids)])


def _orphan_problems(reader: HistoryReader, rows: list[Any], targets: set[str]) -> dict[str, str]:
    """Changes whose message is not in the file (stored before it, or it is void): each
    judged on its own (core.changes_alone)."""
    return problems_alone(reader, [row for row in rows
                                   if row.target is not None and str(row.target) not in targets])


def insert_and_judge(store: GroupStore, roster: Roster,
                      ready: list[tuple[Envelope, SignedRecord, dict[str, Any]]],
                      result: BatchOutcome, backfilling: bool, ordered: bool) -> None:
    cursor = store.db.cursor()
    top = store.db.execute_sql("SELECT COALESCE(MAX(rowid), 0) FROM message").fetchone()[0]
    search.drop_above(store.db, top)  # stale entries where these rows go
    values = [(c["id"], c["author"], c["author_seq"], c["kind"], c["created_at"], c["body"],
               r.text, r.sig, c["target"], c["reply_to"], c["orig_id"]) for _, r, c in ready]
    cursor.executemany(INSERT, values)
    by_id = {c["id"]: (envelope, c) for envelope, _, c in ready}
    records = {c["id"]: r for _, r, c in ready}
    reader = HistoryReader(roster, store.group_id)
    # Judged as stored: the first round as inserted when that is what a read would give.
    rows: list[Any] = rows_as_inserted(values, top) or []
    problems: dict[str, str] = {}
    while by_id:
        rows = rows or rows_with_ids(list(by_id))
        targets = {str(row.target) for row in rows if row.target is not None}
        primaries = [row for row in rows if row.target is None]
        outside = list(targets - {str(p.id) for p in primaries})  # changed messages stored before
        quoted: list[Any] = list(Message.with_rowid().where(
            Message.id.in_(_among(outside)) & Message.target.is_null())) if outside else []
        judged = reader.judge(primaries + quoted)
        problems = {str(item.row.id): item.problem for item in judged.items
                    if item.problem and str(item.row.id) in by_id}
        problems.update({change.id: change.reason for changes in judged.forged.values()
                         for change in changes if change.id in by_id})
        problems.update(_orphan_problems(reader, rows, {str(row.id) for row in primaries + quoted}))
        # A record void only for its author's fork stays: every host keeps both (evidence.py).
        problems = {key: reason for key, reason in problems.items() if reason != FORKED}
        if not problems:
            break
        rows = []  # read again without them
        Message.delete().where(Message.id.in_(_among(list(problems)))).execute()
        deleted_tops.note_deletion(store.db)
        # The hub: a change void for changing the id its author's own record lost, set aside.
        aside = set() if ordered else void_changes(store, {key: (records[key], reason)
                                                           for key, reason in problems.items()})
        for message_id, reason in problems.items():
            envelope, _ = by_id.pop(message_id)
            if message_id in aside:
                result.applied.append(as_evidence(envelope))
                continue
            waits = any(reason.startswith(prefix) for prefix in DEPENDENCY_REASONS) or (
                backfilling and reason.startswith(NOT_FOLLOWING))
            (result.waiting if waits else result.refused).append((envelope, reason))
    # Records stored above these places while they lay beyond a backfill's frontier (none
    # but during one: `backfilling`, asked once a batch, in this transaction: apply_batch).
    for envelope, reason in void_broken_links(store.group_id, roster, {
            (str(c["author"]), int(c["author_seq"])) for _, c in by_id.values()},
            set(by_id)) if backfilling else []:
        waits = reason.startswith((NOT_FOLLOWING, DEPENDENCY_REASONS[0]))
        (result.waiting if waits else result.refused).append((envelope, reason))
    # The last round read exactly these rows when it found no problem in them.
    kept: list[Any] = rows if not problems else rows_with_ids(list(by_id))
    # Messages whose changes came first (a backfill's, or a change the hub took before its
    # message: core.changes_alone): their search entries from their final state.
    if kept:
        result.touched.update(str(target) for (target,) in rows_among(store, (
            "SELECT DISTINCT target FROM message WHERE target IN (SELECT value FROM json_each(?))"),
            [str(row.id) for row in kept if row.target is None]))
    new_rows = {str(row.id): row for row in kept}
    searchable = [(new_rows[i].rowid, c["body"]) for i, (_, c) in by_id.items()
                  if c["target"] is None and c["kind"] in search.SEARCHABLE_KINDS]
    search.index_many(store.db.cursor(), searchable)
    origins = result.origins
    for envelope, columns in by_id.values():
        result.applied.append(envelope)
        origins[columns["author"]] = envelope.origin  # (relay/origins.py)
        if columns["target"] is not None:
            result.touched.add(str(columns["target"]))
