"""Records a membership change voids, taken out of the file where the change was written.

A relay that applies a removal, demotion or leave from another host takes out, in the same
transaction, the records of this file that its cut makes void (relay.voided, relay.apply).
The host where the change was written has no such apply: the change is written by a `peers`
command (after the hub accepted it, relay.ordering) or by the hub's catch-up of a leaf's
command. The cut names what the writer had seen of the member's chain, walked up from its
first record (core.chains.seen_head_record): records standing above a gap there (a join's
history walk still under way, a record taken out of the file: README rule 9) were not seen,
so the change voids them on this host too. Before, they stayed here while every other host
took them out: the message tables differed and `peers verify` here named them.

So the relay's scan, whenever its file's membership log moved since it last looked
(rows.scan_local), takes out what the cuts void, as the apply does: the same rows, deleted
with their search entries, a record kept as fork evidence that takes a released place moved
back (voided._take_released), and each one returned with the cut's reason for the relay's
quarantine (`relay rejected`), where the applying hosts keep theirs.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from peers_tui.core import search
from peers_tui.core.group_store import GroupStore
from peers_tui.core.history import HistoryReader
from peers_tui.core.membership import Roster
from peers_tui.core.models import Message
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.voided import Unscanned, take_out_voided

# By the file (its real path and inode: one put in its place is looked at again): the
# membership mark of the log last taken out against. The scan's own mark is forgotten after
# every apply of the relay's (intake: a batch of messages too), and a group with one leaver
# would take the write lock and read their rows at every look.
_done: dict[tuple[str, int], tuple[object, ...] | None] = {}


def take_out_here(store: GroupStore, origin: str,
                  unscanned: Unscanned | None = None) -> list[tuple[Envelope, str]]:
    """Take out of this file (inside its session) the messages and invites that a cut of the
    membership log voids; return them with the reason, under the host their author lives on
    (take_out_voided), else in this host's name (`origin`), as an apply keeps what a change
    voids (intake, order_service): an empty origin was counted under no host ("rejected:  3,
    D 5"). A row `unscanned` says was written here is this host's too. Nothing is
    read or written when the log has not moved since the last call for this file, nor when it
    holds no cut."""
    roster = store.current_roster()
    mark, key = store.roster_mark, _key(store)
    if key in _done and _done[key] == mark:
        return []
    voided: list[tuple[Envelope, str]] = []
    if any(roster.cuts.values()):
        with store.db.atomic():  # the log's mark read again under the write lock
            roster = store.current_roster()
            touched: set[str] = set()
            voided = [(envelope if envelope.origin else replace(envelope, origin=origin), why)
                      for envelope, why in take_out_voided(store, roster, touched, unscanned)]
            reindex(store, roster, touched)
    _done[key] = mark
    return voided


def _key(store: GroupStore) -> tuple[str, int]:
    path = os.path.realpath(store.path)
    try:
        return path, os.stat(path).st_ino
    except OSError:
        return path, 0


def reindex(store: GroupStore, roster: Roster, touched: set[str]) -> None:
    """Search entries of the touched messages from their final state (an edit may arrive
    after a later edit of the same message, or a deletion before it). relay.apply's too."""
    if not touched:
        return
    primaries: list[Any] = list(Message.with_rowid().where(
        Message.id.in_(list(touched)) & Message.target.is_null()))
    for row, view in zip(primaries, HistoryReader(roster, store.group_id).views(primaries)):
        if view.deleted or not view.verified or view.kind not in search.SEARCHABLE_KINDS:
            search.unindex(store.db, row.rowid)
        else:
            search.index(store.db, row.rowid, view.body)
