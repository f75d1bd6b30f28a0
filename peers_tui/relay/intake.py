"""A relay's intake: the records of other hosts, pulled from the stream this host applies
(the hub: each leaf's `PEERS_IN_<host>`, inbound.py; a leaf: the federation's `PEERS_FED`) from the relay's own
position, and applied under the checks of local writes (apply.py). Part of `runner.Relay`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
import sys
import time
from dataclasses import replace
from pathlib import Path
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import nats
from nats.js.api import ConsumerConfig, DeliverPolicy

from peers_tui.core.errors import PeersError
from peers_tui.relay import apply, kept_stores
from peers_tui.relay.config import RelayConfig
from peers_tui.relay.envelope import (
    FED_STREAM, FED_SUBJECTS, Envelope, EnvelopeError, from_message, unreadable,
)
from peers_tui.relay.founding import Founding, made_again_due, made_again_only
from peers_tui.relay.held_retry import HeldRetry, schema_of
from peers_tui.relay.held_waits import HeldWaits, Wait
from peers_tui.relay.hub_bounds import HubBounds
from peers_tui.relay.inbound import InboundStreams, position_key, stream_subjects
from peers_tui.relay.isolate import one_at_a_time
from peers_tui.relay.background_apply import lent
from peers_tui.relay.ledger import Ledger
from peers_tui.relay.regained import log_mended
from peers_tui.relay.limits import InboundTrim
from peers_tui.relay.join_invites import refuse_unknown_invites
from peers_tui.relay.waiting import next_record, subscribe_ordered, take_queued, watch, within_stream
from peers_tui.relay.walk_reach import WalkReach

if TYPE_CHECKING:
    from peers_tui.relay.link import LinkState
    from peers_tui.relay.link_report import LinkReporter
    from peers_tui.relay.local import LocalScanner

BATCH = 1000
# While idle a consumer waits for a record, or for the link (or the hub's server) to move,
# with no timer: a leaf's consumer looked at its link every 0.25 s and each of the hub's (one
# a leaf) every 2 s, each look ~0.1-0.7 ms of CPU (R3). The one timed wait left: the hub,
# holding records applied but not yet purged, waits this long for the next one before it
# purges them (a quiet stream gives its bounds back at once; limits.InboundTrim).
QUIET_WAIT = 0.25
# The hub's republish of a batch of messages goes out before its commit: the publish tasks
# run in the loop's next turn and nats-py's flusher writes them in the one after.
SEND_TURNS = 3
# Tests only: the hub's relay stops itself (SIGSTOP) between that publish and the commit.
STOP_BEFORE_COMMIT = bool(os.environ.get("PEERS_RELAY_STOP_BEFORE_COMMIT"))


class Intake(HeldRetry):
    """Consuming and applying other hosts' records (mixed into runner.Relay)."""

    hub: Path
    config: RelayConfig
    is_hub: bool
    ledger: Ledger
    inbound: InboundStreams
    founding: Founding
    bounds: HubBounds
    link: LinkState
    reporter: LinkReporter
    scanner: LocalScanner
    walk_reach: WalkReach
    held_waits: HeldWaits
    lock: asyncio.Lock
    stopping: asyncio.Event
    batch_at = 0.0  # when the first record of the batch in hand arrived (for the trace)
    js_local: Any
    js_hub: Any
    # runner.Relay's: a trace line, and publishing records (the hub republishes what it took)
    _trace: Callable[[str], None]
    _send: Callable[[list[Envelope]], Awaitable[None]]
    came_back: Callable[[Envelope], None]  # refetch.Refetch's

    async def _consume(self, stream: str = FED_STREAM) -> None:
        """Pull a stream this host applies (the hub: one leaf's inbound stream, inbound.py)
        from its own position, until told to restart."""
        key = position_key(stream) if self.is_hub else "fed"
        subjects = stream_subjects(stream) if self.is_hub else FED_SUBJECTS
        trim = self.inbound.trim(stream) if self.is_hub else None
        if not self.is_hub and not self.link.up:
            return
        position = self.ledger.position(key)
        js = self.js_local if self.is_hub else self.js_hub
        if not self.is_hub:  # (the hub's inbound streams: inbound.py)
            position = await within_stream(js, stream, position)
        config = (ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                                 opt_start_seq=position + 1)
                  if position else ConsumerConfig(deliver_policy=DeliverPolicy.ALL))
        generation, moved = self.link.generation, watch(self.link.moved())
        try:
            sub = await subscribe_ordered(js, subjects, stream, config)
        except BaseException:
            moved.cancel()
            raise
        self._trace(f"consuming {stream} after {position}")
        try:
            while not self.stopping.is_set() and self.link.generation == generation and (
                    self.is_hub or self.link.up):
                quiet = QUIET_WAIT if trim is not None and trim.unpurged() else None
                batch = await self._next_batch(sub, quiet, moved)
                if batch:
                    await self._handle(key, batch, trim)
                elif trim is not None:  # quiet: what was applied leaves the stream (limits.py)
                    await trim.settle(self.js_local)
        finally:
            moved.cancel()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(sub.unsubscribe(), 1)

    async def _next_batch(self, sub: Any, wait: float | None, moved: asyncio.Future[Any]
                          ) -> list[Any]:
        """What has arrived, waiting for a first record until `wait` (None: no limit) or
        `moved` is done: [] then."""
        first = await next_record(sub, wait, moved)
        if first is None:
            return []
        batch = [first]
        self.batch_at = time.time()
        # What has arrived already goes along; nothing waits for more (a timer here cost every
        # delivery its length twice). Under a catch-up batches grow by themselves.
        if not sub.pending_msgs:
            await asyncio.sleep(0)  # the reader parses what is already in the socket buffer
        while len(batch) < BATCH and sub.pending_msgs:
            batch.append(await take_queued(sub))
        return batch

    async def _handle(self, key: str, batch: list[Any], trim: InboundTrim | None = None) -> None:
        self._trace(f"received {len(batch)} from {key} (the first at {self.batch_at:.4f})")
        groups: dict[str, list[tuple[Any, Envelope]]] = {}
        unread: list[tuple[Envelope, str]] = []
        for msg in batch:
            parts = msg.subject.split(".")
            sender = parts[2] if self.is_hub and len(parts) > 3 else ""
            try:
                envelope = from_message(msg.data, msg.headers, sender)
            except EnvelopeError as exc:  # refused like any record: counted, listed
                origin = sender or self.config.hub_name or self.config.name
                unread.append((unreadable(msg.data, msg.headers, origin), str(exc)))
                continue
            if self.is_hub and envelope.origin != sender:  # a leaf speaks only for itself
                envelope = Envelope(envelope.group_id, envelope.table, envelope.text,
                                    envelope.sig, envelope.cosig, sender)
            if self.is_hub and sender not in self.config.leaves:  # (permissions.py): a process
                # on the hub host, or a leaf whose token was revoked
                self.ledger.quarantine(envelope, f"sent as host {sender!r}, which holds no token")
                continue
            if envelope.origin == self.config.name:
                self.came_back(envelope)  # no longer on its way (refetch.py)
            if envelope.origin == self.config.name and envelope.table != "member":
                continue  # ours, back from the hub (a membership change of ours is applied:
                # the command the hub accepted it for may have died before writing it here)
            groups.setdefault(envelope.group_id, []).append((msg, envelope))
            if self.is_hub:  # a join may wait for an invite behind it (invite_transit.py)
                self.inbound.taken.took(sender, envelope.group_id)
        if unread:
            with self.ledger.batch():  # one commit for a batch of junk, not one a message
                for envelope, reason in unread:
                    self.ledger.quarantine(envelope, reason)
        for group_id, pairs in groups.items():
            reach = 0 if self.is_hub else self.walk_reach.reach(group_id)
            # What a join's walk reads itself is not applied here too (walk_reach.py).
            envelopes = [e for m, e in pairs if not (
                reach and e.table == "msg" and m.metadata.sequence.stream <= reach)]
            # The lock a group at a time: another stream's batch waits for one group of this
            # one, not for a flood spread over a thousand.
            async with self.lock:
                await self._apply_group(group_id, envelopes)
        async with self.lock:
            self.ledger.set_position(key, batch[-1].metadata.sequence.stream)
        if trim is not None:  # what is applied leaves the stream: its bounds hold the backlog only
            await trim.applied(self.js_local, batch[-1].metadata.sequence.stream)
        self.link.received += len(batch)
        self._trace(f"applied a batch of {len(batch)} from {key}")

    async def _apply_group(self, group_id: str, envelopes: list[Envelope],
                           then: Callable[[Any], None] | None = None,
                           run: Callable[[Callable[[], Any]], Awaitable[Any]] | None = None,
                           from_stream: bool = False, also: set[Wait] | None = None,
                           retrying: bool = False) -> apply.Outcome | None:
        """Apply a batch of one group; `then(db)` runs in its transaction (apply.apply_records);
        `run(work)` runs the apply's own work elsewhere (a backfill's page: relay.backfill),
        the caller holding the lock meanwhile; `from_stream`: read back (refetch.py), a join
        waits for its invite (docs/relay.md, "Thirteenth acceptance pass"); `also`: waits met
        in the file, `retrying`: isolated records tried again (held_retry.py). None: none applied."""
        if self.is_hub:  # a leaf founds only so many groups here (founding.py)
            try:  # ... and plants no file of a group whose file was deleted here
                envelopes, again = await asyncio.wait_for(made_again_only(
                    self.js_local, self.hub, group_id, envelopes), 2.0) if made_again_due(
                    self.hub, group_id, envelopes) else (envelopes, [])
            except (nats.errors.Error, asyncio.TimeoutError) as exc:  # asked again later
                self._hold([(e, f"the hub's stream did not answer: {exc}") for e in envelopes])
                return None
            envelopes, refused = self.founding.admit(group_id, envelopes)
            refused = again + refused
            # ... and the hub keeps only so much for good of a group, a leaf (hub_bounds.py)
            envelopes, past = await self.bounds.admit(self.js_local, group_id, envelopes,
                                                      self.ledger.is_known)
            for envelope, reason in refused + past:
                self.ledger.quarantine(envelope, reason)
        store = kept_stores.kept_or_reopened(self.scanner, self.hub / f"{group_id}.db", group_id)
        held, envelopes = await self._held_for(group_id, envelopes, store, also or set())  # held_retry.py
        # The hub republishes a batch of messages before its commit (below); others commit first.
        early: list[contextlib.ExitStack] | None = (
            [] if self.is_hub and then is None and run is None
            and all(e.table == "msg" for e in held + envelopes) else None)

        async def attempt(records: list[Envelope], later: Any = None) -> apply.Outcome | None:
            work = functools.partial(apply.apply_records, self.hub, group_id, records,
                                     create=self.is_hub, hub_order=not self.is_hub,
                                     store=store, then=then, commit_later=later)
            return work() if run is None else await run(lent(self.scanner, group_id, work))
        try:
            outcome = await attempt(held + envelopes, early)
        except Exception as exc:  # the record that fails set apart (isolate.py; a bug's
            # exception too); a file that takes none (damaged, read-only): all wait
            early, outcome = None, await one_at_a_time(attempt, held + envelopes, group_id)
            if outcome is None and not retrying:  # (retrying: they stay refused)
                self._hold([(envelope, str(exc)) for envelope in envelopes])
            if outcome is None:
                return None
            self.schema_at[group_id] = schema_of(store)  # tried again once it moves
        if outcome is None:
            return None
        self.held_waits.settle(outcome)
        accepted = outcome.applied + outcome.duplicates
        if early:
            fresh = [e for e in accepted if not self.ledger.is_known(e.hash)]
            self._trace(f"checked {len(outcome.applied)} of {group_id[:6]}, republishing")
            if not await self._republish_first(early[0], fresh, envelopes):
                return None
            self._trace(f"republished {len(fresh)} of {group_id[:6]}")
        if self.is_hub:
            self.founding.settle(group_id, envelopes)  # a genesis refused founded nothing
            if not from_stream:  # a join naming an invite no host has (join_invites.py)
                refuse_unknown_invites(outcome)
        self._trace(f"committed {len(outcome.applied)} of {group_id[:6]}")
        if self.is_hub and early is None:  # on to the federation first: the bookkeeping can wait
            fresh = [e for e in accepted if not self.ledger.is_known(e.hash)]
            self._trace(f"applied {len(outcome.applied)} of {group_id[:6]}, republishing")
            await self._send(fresh)
            self._trace(f"republished {len(fresh)} of {group_id[:6]}")
        with self.ledger.batch():  # the bookkeeping below: one commit of relay.db, not four
            # `run` comes with a backfill's page only (relay.backfill): history the hub held
            # at the join, never a late arrival a user's note names the host of (the TUI
            # tells no note for history, core.joined_history). As arrivals, each page made
            # `.link.json` due again (read and redrawn by every open TUI of the host, R6a)
            # and pushed the live arrivals out of the file's last MAX_ARRIVALS.
            self._keep_books(group_id, outcome, accepted, arrived=run is None)
        return outcome

    async def _republish_first(self, commit: contextlib.ExitStack, fresh: list[Envelope],
                               envelopes: list[Envelope]) -> bool:
        """The hub's batch of messages, checked and not committed, on its way to the
        federation; then the commit, while the server stores and delivers it (the path B ->
        hub -> C no longer waits for the hub's commit). A record published here and not
        committed (the relay killed in between) is still in its leaf's inbound stream, the
        position before it: applied again at the restart, and its second publish is a
        duplicate (Nats-Msg-Id). False when the commit failed: the batch waits (ledger.hold)."""
        sending = asyncio.ensure_future(self._send(fresh))
        try:
            for _ in range(SEND_TURNS):  # the publish tasks, then nats-py's flusher, write it
                if sending.done():
                    break
                await asyncio.sleep(0)
            if STOP_BEFORE_COMMIT:  # tests: killed between the publish and the commit
                os.kill(os.getpid(), signal.SIGSTOP)
        except BaseException:
            sending.cancel()
            raise
        finally:
            stored = self._commit(commit, envelopes)
        await sending
        return stored

    def _commit(self, commit: contextlib.ExitStack, envelopes: list[Envelope]) -> bool:
        try:
            commit.close()
        except PeersError as exc:  # published, not stored here: applied again with the next
            self._hold([(envelope, str(exc)) for envelope in envelopes])
            return False
        return True

    def _keep_books(self, group_id: str, outcome: apply.Outcome, accepted: list[Envelope],
                    arrived: bool = True) -> None:
        for envelope, reason in outcome.refused:
            self.ledger.quarantine(envelope, reason)
        for envelope, reason in outcome.lost:
            self.ledger.quarantine_taken_out(  # under its author's host (relay.voided)
                envelope if envelope.origin else replace(envelope, origin=self.config.name), reason)
            print(f"peers relay: group {group_id}: {reason}", file=sys.stderr, flush=True)
        self.ledger.restore_applied(group_id, outcome.applied)  # refused once, genuine now
        self.ledger.keep_origins()  # where the authors' records came from (origins.py)
        self.ledger.hold_all(outcome.waiting)
        still = {e.hash for e, _ in outcome.waiting}  # a duplicate of a waiting one waits on
        self.ledger.release(e.hash for e in accepted if e.hash not in still)
        # A leaf knows a message or invite only while a scan of its file may still meet it
        # (the hub's republishing asks `known` of every record). A backfill's million hashes
        # made `known` the one part of a join that grew with the group (relay/ledger.py).
        if outcome.rescan or log_mended(self.ledger.db, self.config.name, group_id, outcome.applied):
            self.scanner.versions.pop(group_id, None)  # its scan ships them (evidence; regained)
        passed = self.scanner.note_applied(group_id) and not self.is_hub
        self.reporter.caught_up(group_id)  # before the arrival's write: `sent` past them
        if arrived:
            self.reporter.arrived(group_id, outcome.applied)
        self.ledger.add_known(e.hash for e in accepted
                              if not (passed and e.table in ("msg", "invite")))
