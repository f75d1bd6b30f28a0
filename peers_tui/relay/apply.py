"""Applying other hosts' records to a group file: ordinary commits, the checks of local writes.

One batch of one group is one IMMEDIATE transaction (so the notifier sees an ordinary
commit). Each record goes in under a savepoint and is judged by the same functions local
writes and readers use (`open_record`, `apply_change`, `check_chain`, HistoryReader); a
record that fails is rolled back and refused with the reason, one whose predecessor (an
earlier membership change, an earlier record of its author, the invite a join names, the
message an edit changes) has not arrived yet waits. Records are retried in rounds until no
more go in, so a batch need not arrive in dependency order. Membership changes and invites
go in one at a time (relay.apply_singly), messages a page at a time (relay.apply_batch).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peers_tui.core.kinds import RecordKind
from peers_tui.core import joined_history, search
from peers_tui.core.group_store import GroupStore, group_id_of
from peers_tui.core.history import HistoryReader
from peers_tui.core.membership import Roster
from peers_tui.core.models import Message
from peers_tui.core.records import RecordError, open_record
from peers_tui.relay import origins, row_writes
from peers_tui.relay.apply_batch import apply_messages
from peers_tui.relay.apply_singly import apply_singly
from peers_tui.relay.batch_outcome import Applied
from peers_tui.relay.chain_evidence import keep_evidence
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.plain_evidence import as_message
from peers_tui.relay.voided import take_out_voided
from peers_tui.relay.voided_here import reindex


@dataclass
class Outcome(Applied):
    # This host's own membership changes that lost the race at the hub (origin left empty).
    lost: list[tuple[Envelope, str]] = field(default_factory=list)

    def add(self, outcome: Outcome | None, waiting: bool = False) -> list[Envelope]:
        """Counts in one more apply's outcome (one page of a fetch); `waiting`: what waits is
        that apply's alone (tried again with the next page, which the result lists)."""
        if outcome is None:
            return []
        self.count_in(outcome)
        self.lost += outcome.lost
        self.waiting = outcome.waiting if waiting else self.waiting + outcome.waiting
        return [envelope for envelope, _ in outcome.waiting]


def apply_records(hub: Path, group_id: str, envelopes: list[Envelope], *,
                  create: bool, hub_order: bool = False, leave_voided: bool = False,
                  store: GroupStore | None = None,
                  then: Callable[[Any], None] | None = None,
                  commit_later: list[contextlib.ExitStack] | None = None) -> Outcome | None:
    """Apply `envelopes` (all of `group_id`) to `<hub>/<group_id>.db`.

    Without the file: with `create` it is made from the batch's genesis (checked against the
    group id); otherwise None (this host does not replicate the group). With `hub_order`
    (records from the hub's federation stream) the hub's membership order wins: a change of
    this host's at a place the hub gave another change is taken out (`Outcome.lost`).
    With `leave_voided` the records the batch's changes void stay for the relay's scan to
    take out and keep (a `peers` command's catch-up, which has no quarantine: voided_here.py).
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
        _apply_to(store, others, outcome, hub_order, then, leave_voided)
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
              hub_order: bool, then: Callable[[Any], None] | None = None,
              leave_voided: bool = False) -> None:
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
        roster, others_waiting, progress = apply_singly(store, roster, others, outcome,
                                                        hub_order)
        batch = apply_messages(store, roster, messages, hub_order)
        outcome.count_in(batch)
        touched |= batch.touched
        waiting = others_waiting + batch.waiting
        if not (progress or batch.applied) or not waiting:
            break
        others = [e for e, _ in others_waiting]
        messages = [e for e, _ in batch.waiting]
    outcome.waiting.extend(waiting)
    if top is not None:
        joined_history.write_named(store.db, store.group_id, top)
    origins.note(Path(store.path).parent, store.group_id, outcome.origins)
    if not leave_voided and any(e.table == "member" for e in outcome.applied):
        outcome.lost += take_out_voided(store, store.roster(), touched)
    reindex(store, roster, touched)
    if then is not None:
        then(store.db)
