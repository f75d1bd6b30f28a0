"""Messages from another host, a batch at a time: the same verdicts as one by one, ~100x faster.

One record at a time cost ~35 ms (a dozen Peewee queries each); a cut of 1,000 records
must converge in a second or two. So a batch is checked with a handful of set queries
(duplicates, conflicts, predecessors present: batch_admit.py), inserted with one executemany,
and then judged in place by HistoryReader.judge, the function `peers log` and `peers verify`
use (batch_judge.py). Rows it does not find genuine are deleted again (inside the same
transaction, so nobody ever sees them) and refused with its reason; their successors are
judged again without them. This module is the order of those steps, and the outcome.
"""

from __future__ import annotations

import gc
from typing import Any

from peers_tui.core.encoding import now_ms
from peers_tui.core.kinds import RecordKind
from peers_tui.core.message_rules import AHEAD_OF_HUB, FOLLOW_AHEAD_MS
from peers_tui.core.chains import chain_fields
from peers_tui.core import frontier
from peers_tui.core.group_store import GroupStore
from peers_tui.core.membership import Roster
from peers_tui.core.opened_records import columns_of, open_message
from peers_tui.core.records import RecordError, SignedRecord
from peers_tui.relay.batch_admit import admitted, without_stored
from peers_tui.relay.batch_judge import insert_and_judge
from peers_tui.relay.batch_outcome import BatchOutcome
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.hub_holds_id import after_yielding, make_way, retried, settle


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
            if not ordered and record.created_at > now_ms() + FOLLOW_AHEAD_MS:
                # The hub's clock is the one the federation has: a message signed a day
                # past it (a modified client's, in the year 5000) would be followed by every
                # later id of the group (message_rules.followed judges a row by its own
                # signed time), on every host it reached (twelfth attack pass).
                raise RecordError(AHEAD_OF_HUB)
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
    fresh = without_stored(store, opened, result, ordered, contested, roster)
    # The hub: records whose id another held as they came, as evidence (hub_holds_id).
    contested = settle(store, roster, contested, result)  # (before the records on them)
    ready = admitted(store, roster, fresh, result)
    make_way(store, ready, result)  # a leaf: its own rows of the ids the hub's records hold
    if ready:
        insert_and_judge(store, roster, ready, result, backfilling, ordered)
    settle(store, roster, contested, result, last=True)  # those the batch's first held
    after_yielding(store, roster, result.yielded)
    return retried(result, lambda again: _apply_messages(store, roster, again, ordered))
