"""Which records of an arriving batch go into the group file (relay/apply_batch.py), each
question asked of the whole batch in one set query (relay/batch_places.py).

First what the file holds already (`without_stored`): duplicates, records whose chain place or
import id another record holds (a fork: kept as evidence, evidence.py), records whose id
another holds (hub_holds_id), junk set aside where a record arrives (junk_places). Then
what they need (`admitted`): their membership state and their author's previous record here
or in the batch; the others wait (or are refused as readers would). A change's message need
not be here (core.changes_alone).
"""

from __future__ import annotations

from typing import Any

from peers_tui.core import cut_chains
from peers_tui.core.chain_rules import non_member, own_record
from peers_tui.core.frontier import not_yet_received
from peers_tui.core.group_store import GroupStore
from peers_tui.core.membership import Roster
from peers_tui.core.raw_values import text_of
from peers_tui.core.records import SignedRecord
from peers_tui.core.self_void import void_on_own
from peers_tui.relay.batch_places import HELD_IN_RUNS, IN_RUNS, MESSAGE_ROW, rows_among, runs
from peers_tui.relay.batch_outcome import BatchOutcome
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.evidence import keep_as_evidence
from peers_tui.relay.hub_holds_id import as_evidence, contest
from peers_tui.relay.junk_places import BATCH, Row, Times, clear_junk, times_before


def without_stored(store: GroupStore, opened: list[tuple[Envelope, SignedRecord, dict[str, Any]]],
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
    by_id: dict[Any, Row] = {row[0]: row[1:] for row in rows_among(store, (
        f"SELECT m.id, {MESSAGE_ROW} FROM message AS m"
        " WHERE m.id IN (SELECT value FROM json_each(?))"), ids)}
    by_place: dict[tuple[str, int], list[Row]] = {}
    for row in rows_among(store, IN_RUNS, runs(places)):
        by_place.setdefault((row[2], row[3]), []).append(row)
    imports: dict[tuple[Any, Any], Row] = {(row[3], row[0]): row[1:] for row in rows_among(store, (
        f"SELECT m.orig_id, {MESSAGE_ROW} FROM json_each(?) AS j JOIN message AS m"
        " ON m.author = json_extract(j.value, '$[0]') AND m.orig_id = json_extract(j.value, '$[1]')"),
        [[c["author"], c["orig_id"]] for _, r, c in opened if c["orig_id"] is not None])}
    fresh: list[tuple[Envelope, SignedRecord, dict[str, Any]]] = []
    if roster is not None and roster.cuts:  # a record a cut voids last: it never holds a
        # place against a live one of the same batch (it would make that one evidence); one
        # arriving below a cut beside the record stored there is judged by the cut's chain
        cut_chains.fill(roster, store.db.execute_sql, {  # (a duplicate walks nothing)
            c["author"] for _, r, c in opened
            if any(row[4] != r.text for row in by_place.get((c["author"], c["author_seq"]), ()))})
        opened = sorted(opened, key=lambda item: roster.beyond_cut(item[1]))
    times: Times = {}  # the batch's records, for the records after them (junk_places.void_alone)
    for _, record, columns in opened:
        times.setdefault((columns["author"], columns["author_seq"]), {})[record.hash] = \
            record.created_at
    void = _void_alone(store, opened, by_place, roster, times)
    opened = sorted(opened, key=lambda item: item[1].hash in void)  # last, as a cut's
    for envelope, record, columns in opened:
        place = (columns["author"], columns["author_seq"])
        origin = (columns["author"], columns["orig_id"])
        clear_junk(store, record, columns["id"], by_id, by_place.get(place), imports, origin,
                   roster, times)
        if place in by_place and not by_place[place]:
            del by_place[place]
        same = by_id.get(columns["id"])
        if same is not None and same[4] == record.text:
            result.duplicates.append(envelope)
            continue
        if place in by_place and roster is not None and record.data["mseq"] > roster.head_seq:
            # judged once its state is here: void_on_own calls it void before (h-refusedown)
            result.waiting.append((envelope, f"membership state {record.data['mseq']} not yet received"))
        elif place in by_place and roster is not None and roster.beyond_cut(record):
            result.refused.append((envelope, str(roster.cut_problem(
                record.author, columns["author_seq"], record.hash, record.data["mseq"],
                record.created_at))))
        elif place in by_place and record.hash in void:  # no half of a fork (core.self_void)
            result.refused.append((envelope, void[record.hash]))
        elif place in by_place:  # the author forked their chain: kept, as on every host (evidence.py)
            stored, touched = keep_as_evidence(record)
            (result.applied if stored else result.duplicates).append(as_evidence(envelope))
            result.touched |= touched
            # The scan ships a record of this file there the federation lacks (rows._uncarried).
            result.rescan |= stored and any(row[0] is not BATCH for row in by_place[place])
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


def _void_alone(store: GroupStore, opened: list[tuple[Envelope, SignedRecord, dict[str, Any]]],
                by_place: dict[tuple[str, int], list[Row]], roster: Roster | None,
                times: Times) -> dict[str, str]:
    """hash -> reason of the records of the batch void for their own checks (core.self_void)
    among those whose place another record holds, here or in the batch: only there can it
    matter (none, in the usual case: nothing judged)."""
    count: dict[tuple[str, int], int] = {}
    for _, record, columns in opened:
        place = (columns["author"], columns["author_seq"])
        count[place] = count.get(place, 0) + 1
    void: dict[str, str] = {}
    for _, record, columns in opened:
        place = (columns["author"], columns["author_seq"])
        if count[place] > 1 or any(row[4] != record.text for row in by_place.get(place, ())):
            reason = void_on_own(record, times_before(store, record, times), roster)
            if reason is not None:
                void[record.hash] = reason
    return void


def admitted(store: GroupStore, roster: Roster, fresh: list[tuple[Envelope, SignedRecord, dict[str, Any]]],
           result: BatchOutcome) -> list[tuple[Envelope, SignedRecord, dict[str, Any]]]:
    """The records whose membership state and previous record are here or in the batch; the
    others wait (a change's message need not be here: core.changes_alone). A previous
    record's place is looked up by its rows, unverified in the message and invite tables: one
    only junk holds is judged empty after the insert (chain_rules.by_hash), so the record
    waits as where nothing is there (docs/relay.md, "Junk where a record arrives"); junk set
    aside into fork_evidence holds nothing here."""
    # A place a record of the batch holds is not held in the file (without_stored refused
    # that as a fork): only the places below each run of the batch are looked up, one an
    # author in a backfill's page instead of one a record.
    held = {(c["author"], c["author_seq"]) for _, r, c in fresh}
    wanted = {(c["author"], c["author_seq"] - 1) for _, r, c in fresh
              if c["author_seq"] > 1 and (c["author"], c["author_seq"] - 1) not in held}
    present: set[tuple[str, int]] = {
        (a, s) for a, s, text, sig in rows_among(store, HELD_IN_RUNS, runs(wanted))
        if text is None or own_record(a, s, text_of(text), sig, store.group_id) is not None}
    # A change whose message is not here is stored all the same: a link of its author's
    # chain that takes effect when a genuine message of that id is here (during a backfill
    # it comes before the older message it changes), and none if it never comes (void by a
    # cut, taken out of every file): core.changes_alone. Held for it, it waited for good
    # with its author's every later record behind it.
    ready = []
    for envelope, record, columns in sorted(fresh, key=lambda item: (item[2]["author"], item[2]["author_seq"])):
        seq, mseq = columns["author_seq"], record.data["mseq"]
        if mseq > roster.head_seq:
            result.waiting.append((envelope, f"membership state {mseq} not yet received"))
        elif non_member(record, roster):  # refused as readers say, not held for its chain
            result.refused.append((envelope, str(non_member(record, roster))))
        elif seq > 1 and (columns["author"], seq - 1) not in present \
                and not not_yet_received(columns["author"], seq - 1):
            # Beyond a cut of its author's, it is void whatever came before it, and said so
            # before its chain (chain_rules._beyond_cut): held, it waited for good for a
            # predecessor the hub had refused for the cut in an earlier batch (erin's three
            # posts from a host cut off, the first alone in a batch: 1 run in 12 at load).
            void = roster.cut_problem(columns["author"], seq, record.hash, mseq,
                                      record.created_at) if roster.beyond_cut(record) else None
            if void is not None:
                result.refused.append((envelope, void))
            else:
                result.waiting.append((envelope, "an earlier record by this author is missing "
                                       "(not yet received)"))
        else:
            ready.append((envelope, record, columns))
            present.add((columns["author"], seq))
    return ready
