"""Messages from another host, a batch at a time: the same verdicts as one by one, ~100x faster.

One record at a time cost ~35 ms (a dozen Peewee queries each); a cut of 1,000 records
must converge in a second or two. So a batch is checked with a handful of set queries
(duplicates, conflicts, predecessors present), inserted with one executemany, and then
judged in place by HistoryReader.judge, the function `peers log` and `peers verify` use.
Rows it does not find genuine are deleted again (inside the same transaction, so nobody ever
sees them) and refused with its reason; their successors are judged again without them.
"""

from __future__ import annotations

import gc
import json
from dataclasses import dataclass, field
from typing import Any

from peewee import SQL

from peers_tui.core.kinds import RecordKind
from peers_tui.core import search
from peers_tui.core.chain_rules import non_member, own_record
from peers_tui.core.chains import FORKED, chain_fields
from peers_tui.core import frontier
from peers_tui.core.frontier import not_yet_received
from peers_tui.core.group_store import GroupStore
from peers_tui.core.history import HistoryReader
from peers_tui.core.membership import Roster
from peers_tui.core.models import Message
from peers_tui.core.opened_records import columns_of, open_message
from peers_tui.core.raw_values import text_of
from peers_tui.core.records import RecordError, SignedRecord
from peers_tui.core.row_checks import window_chain
from peers_tui.relay import deleted_tops
from peers_tui.relay.batch_places import HELD_IN_RUNS, IN_RUNS, MESSAGE_ROW, runs
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.evidence import keep_as_evidence
from peers_tui.relay.hub_holds_id import (
    after_yielding, as_evidence, contest, make_way, retried, settle, void_changes,
)
from peers_tui.relay.junk_places import BATCH, Row, clear_junk
from peers_tui.relay.links import void_broken_links
from peers_tui.relay.stored_rows import rows_as_inserted, rows_with_ids

INSERT = ("INSERT INTO message (id, author, author_seq, kind, created_at, body, record, sig,"
          " target, reply_to, orig_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)")
DEPENDENCY_REASONS = ("an earlier record by this author is missing",
                      "refers to a membership state that does not exist")
# During a backfill a record may name a predecessor that is still to come even though another
# record holds its place: the other record of a fork (evidence.py). It waits for it.
NOT_FOLLOWING = "does not follow its author's previous record"


@dataclass
class BatchOutcome:
    applied: list[Envelope] = field(default_factory=list)
    duplicates: list[Envelope] = field(default_factory=list)
    waiting: list[tuple[Envelope, str]] = field(default_factory=list)
    refused: list[tuple[Envelope, str]] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)
    yielded: dict[str, Any] = field(default_factory=dict)  # a leaf's own rows yielding, by id
    rescan: bool = False  # this host's records were set aside: its scan ships them (hub_holds_id)


def _among(ids: list[str]) -> Any:
    """`Message.id.in_()` operand for many ids: one JSON parameter, not a node per id."""
    return SQL("(SELECT value FROM json_each(?))", [json.dumps(ids)])


def _rows(store: GroupStore, sql: str, values: list[Any]) -> list[tuple[Any, ...]]:
    """The rows of `sql`, which selects among `values` (one JSON parameter): none for none,
    without asking (a lone message has no target, import id or, first of its author, no
    predecessor to look for)."""
    if not values:
        return []
    return list(store.db.execute_sql(sql, (json.dumps(values),)).fetchall())


def apply_messages(store: GroupStore, roster: Roster, envelopes: list[Envelope],
                   ordered: bool = False) -> BatchOutcome:
    """Apply message records (inside the caller's session and transaction); `ordered`: of
    the hub's federation stream, whose order decides what holds a message id (hub_holds_id)."""
    # A batch makes some hundred thousand short-lived containers (records, columns, rows)
    # and nothing cyclic: with the cyclic collector on, each 700 of them start a collection
    # (and, as they pile up, a full one over every object of the process). Freed by their
    # counts alone; the collector runs again from the next allocation after the batch.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _apply_messages(store, roster, envelopes, ordered)
    finally:
        if collecting:
            gc.enable()


def _apply_messages(store: GroupStore, roster: Roster, envelopes: list[Envelope],
                    ordered: bool) -> BatchOutcome:
    result = BatchOutcome()
    opened: list[tuple[Envelope, SignedRecord, dict[str, Any]]] = []
    for envelope in envelopes:
        try:
            # Opened as the judge opens a stored row (core.opened_records): the judge below
            # finds this record by its exact text and signature instead of parsing it again.
            record = open_message(envelope.text, envelope.sig, group_id=store.group_id, kind=RecordKind.MSG)
            chain_fields(record)
            columns = columns_of(record)
            if any(isinstance(value, (list, dict)) for value in columns.values()):
                # An unchecked field (a deletion's body) that no column can hold: it failed
                # the whole batch's insert, and with it every record after it, for good.
                raise RecordError(f"malformed {columns['kind']} record (a field no column can hold)")
            opened.append((envelope, record, columns))
        except RecordError as exc:
            result.refused.append((envelope, str(exc)))
    backfilling = bool(opened) and frontier.active()  # asked once: two queries each time
    if backfilling:  # these reach below their authors' floors
        floors: dict[str, int] = {}
        for _, _, columns in opened:
            author, seq = columns["author"], columns["author_seq"]
            floors[author] = min(seq, floors.get(author, seq))
        frontier.lower(store.db, floors)
    contested: list[tuple[Envelope, SignedRecord, dict[str, Any]]] = []
    fresh = _without_stored(store, opened, result, ordered, contested, roster)
    # The hub: records whose id another held as they came, as evidence (hub_holds_id).
    contested = settle(store, roster, contested, result)  # (before the records on them)
    ready = _ready(store, roster, fresh, result, backfilling)
    make_way(store, ready, result)  # a leaf: its own rows of the ids the hub's records hold
    if ready:
        _insert_and_judge(store, roster, ready, result, backfilling, ordered)
    settle(store, roster, contested, result, last=True)  # those the batch's first held
    after_yielding(store, roster, result.yielded)
    return retried(result, lambda again: _apply_messages(store, roster, again, ordered))


def _without_stored(store: GroupStore, opened: list[tuple[Envelope, SignedRecord, dict[str, Any]]],
                    result: BatchOutcome, ordered: bool, contested: list[Any],
                    roster: Roster | None = None
                    ) -> list[tuple[Envelope, SignedRecord, dict[str, Any]]]:
    """Drop duplicates (here or twice in the batch); refuse records whose chain place or
    import id another record holds; one whose id another holds goes by the hub's order
    (hub_holds_id). A row there that is no record of its author's holds none of them
    (junk_places): it is set aside for the arriving record, and so is a record there void by
    a cut of its author's (junk_places.released); an arriving record void so, at a place
    another record holds, is refused with that reason: no half of a fork (core.forks)."""
    ids = [columns["id"] for _, _, columns in opened]
    places = {(columns["author"], columns["author_seq"]) for _, _, columns in opened}
    by_id: dict[Any, Row] = {row[0]: row[1:] for row in _rows(store, (
        f"SELECT m.id, {MESSAGE_ROW} FROM message AS m"
        " WHERE m.id IN (SELECT value FROM json_each(?))"), ids)}
    by_place: dict[tuple[str, int], list[Row]] = {}
    for row in _rows(store, IN_RUNS, runs(places)):
        by_place.setdefault((row[2], row[3]), []).append(row)
    imports: dict[tuple[Any, Any], Row] = {(row[3], row[0]): row[1:] for row in _rows(store, (
        f"SELECT m.orig_id, {MESSAGE_ROW} FROM json_each(?) AS j JOIN message AS m"
        " ON m.author = json_extract(j.value, '$[0]') AND m.orig_id = json_extract(j.value, '$[1]')"),
        [[c["author"], c["orig_id"]] for _, r, c in opened if c["orig_id"] is not None])}
    fresh: list[tuple[Envelope, SignedRecord, dict[str, Any]]] = []
    if roster is not None and roster.cuts:  # a record a cut voids last: it never holds a
        # place against a live one of the same batch (it would make that one evidence)
        opened = sorted(opened, key=lambda item: roster.beyond_cut(item[1]))
    for envelope, record, columns in opened:
        place = (columns["author"], columns["author_seq"])
        origin = (columns["author"], columns["orig_id"])
        clear_junk(store, record, columns["id"], by_id, by_place.get(place), imports, origin,
                   roster)
        if place in by_place and not by_place[place]:
            del by_place[place]
        same = by_id.get(columns["id"])
        if same is not None and same[4] == record.text:
            result.duplicates.append(envelope)
            continue
        if place in by_place and roster is not None and roster.beyond_cut(record):
            result.refused.append((envelope, str(roster.cut_problem(
                record.author, columns["author_seq"], record.hash, record.data["mseq"],
                record.created_at))))
        elif place in by_place:  # the author forked their chain: kept, as on every host (evidence.py)
            stored, void = keep_as_evidence(record)
            (result.applied if stored else result.duplicates).append(as_evidence(envelope))
            result.touched |= void
        elif columns["id"] in by_id and not contest(store, (envelope, record, columns),
                                                    by_id[columns["id"]], fresh, contested,
                                                    ordered, result):
            continue
        elif columns["orig_id"] is not None and origin in imports:
            result.refused.append((envelope, "the same original message was imported already"))
        else:
            fresh.append((envelope, record, columns))
            batch: Row = (BATCH, None, place[0], place[1], record.text, record.sig)
            by_id[columns["id"]] = batch
            by_place[place] = [batch]
            if columns["orig_id"] is not None:
                imports[origin] = batch
    return fresh


def _ready(store: GroupStore, roster: Roster, fresh: list[tuple[Envelope, SignedRecord, dict[str, Any]]],
           result: BatchOutcome, backfilling: bool) -> list[tuple[Envelope, SignedRecord, dict[str, Any]]]:
    """The records whose membership state, previous record and target are here or in the
    batch; the others wait. A previous record's place is looked up by its rows, unverified in
    the message and invite tables: one only junk holds is judged empty after the insert
    (chain_rules.by_hash), so the record waits as where nothing is there (docs/relay.md,
    "Junk where a record arrives"); junk set aside into fork_evidence holds nothing here."""
    # A place a record of the batch holds is not held in the file (_without_stored refused
    # that as a fork): only the places below each run of the batch are looked up, one an
    # author in a backfill's page instead of one a record.
    held = {(c["author"], c["author_seq"]) for _, r, c in fresh}
    wanted = {(c["author"], c["author_seq"] - 1) for _, r, c in fresh
              if c["author_seq"] > 1 and (c["author"], c["author_seq"] - 1) not in held}
    present: set[tuple[str, int]] = {
        (a, s) for a, s, text, sig in _rows(store, HELD_IN_RUNS, runs(wanted))
        if text is None or own_record(a, s, text_of(text), sig, store.group_id) is not None}
    targets = {c["target"] for _, _, c in fresh if c["target"] is not None}
    present_targets = {row[0] for row in _rows(store, (
        "SELECT id FROM message WHERE target IS NULL AND id IN (SELECT value FROM json_each(?))"),
        list(targets))}
    # During a backfill a change may come before the older message it changes: it is stored
    # (it is a link of its author's chain) and takes effect when that message arrives.
    ready = []
    for envelope, record, columns in sorted(fresh, key=lambda item: (item[2]["author"], item[2]["author_seq"])):
        seq, mseq = columns["author_seq"], record.data["mseq"]
        if mseq > roster.head_seq:
            result.waiting.append((envelope, f"membership state {mseq} not yet received"))
        elif non_member(record, roster):  # refused as readers say, not held for its chain
            result.refused.append((envelope, str(non_member(record, roster))))
        elif seq > 1 and (columns["author"], seq - 1) not in present \
                and not not_yet_received(columns["author"], seq - 1):
            result.waiting.append((envelope, "an earlier record by this author is missing "
                                   "(not yet received)"))
        elif columns["target"] is not None and columns["target"] not in present_targets \
                and not backfilling:
            result.waiting.append((envelope, "the message it changes has not arrived"))
        else:
            ready.append((envelope, record, columns))
            present.add((columns["author"], seq))
            if columns["target"] is None:
                present_targets.add(columns["id"])
    return ready


def _orphan_problems(reader: HistoryReader, rows: list[Any], targets: set[str]) -> dict[str, str]:
    """Changes stored before the message they change (a backfill): each judged on its own."""
    orphans = [row for row in rows if row.target is not None and str(row.target) not in targets]
    if not orphans:
        return {}
    chain = window_chain(orphans, reader.group_id)
    checked = [reader.check(row, chain) for row in orphans]
    return {str(item.row.id): item.problem for item in checked if item.problem}


def _insert_and_judge(store: GroupStore, roster: Roster,
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
    # Records stored above these places while they lay beyond a backfill's frontier.
    for envelope, reason in void_broken_links(store.group_id, roster, {
            (str(c["author"]), int(c["author_seq"])) for _, c in by_id.values()}, set(by_id)):
        waits = reason.startswith((NOT_FOLLOWING, DEPENDENCY_REASONS[0]))
        (result.waiting if waits else result.refused).append((envelope, reason))
    # The last round read exactly these rows when it found no problem in them.
    kept: list[Any] = rows if not problems else rows_with_ids(list(by_id))
    if backfilling:  # messages whose changes came first: their search entries from their final state
        result.touched.update(str(target) for (target,) in _rows(store, (
            "SELECT DISTINCT target FROM message WHERE target IN (SELECT value FROM json_each(?))"),
            [str(row.id) for row in kept if row.target is None]))
    new_rows = {str(row.id): row for row in kept}
    searchable = [(new_rows[i].rowid, c["body"]) for i, (_, c) in by_id.items()
                  if c["target"] is None and c["kind"] in search.SEARCHABLE_KINDS]
    search.index_many(store.db.cursor(), searchable)
    for envelope, columns in by_id.values():
        result.applied.append(envelope)
        if columns["target"] is not None:
            result.touched.add(str(columns["target"]))
