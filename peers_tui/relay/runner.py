"""`peers relay`: this host's relay, in the foreground until SIGTERM/SIGINT.

Flow (a star; MULTIHOST.md): each relay publishes its host's new genuine records; a leaf sends
them to the hub's `PEERS_IN` stream (`peers.in.<host>.<group>`), the hub publishes its own
straight to `PEERS_FED`. The hub pulls `PEERS_IN`, applies every record under the checks of
local writes and republishes what it accepted to `PEERS_FED` (forgeries stop at the hub);
every leaf pulls `PEERS_FED` and applies the groups it has. Positions are the relay's own
(ledger.py): consumers are short-lived ordered ones, restarted from there on any trouble.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from dataclasses import replace
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nats

from peers_tui.relay import background_apply, republish
from peers_tui.relay.backfill import Backfills
from peers_tui.relay.client_errors import ClientErrors
from peers_tui.relay.forever import forever
from peers_tui.relay.config import (
    RelayConfig, client_url, config_path, load_config, relay_dir, relay_inbox_prefix,
)
from peers_tui.relay.consumer_guard import STREAM_CAP, SWEEP, ConsumerGuard
from peers_tui.relay.desk import Desk
from peers_tui.relay.founding import Founding
from peers_tui.relay.inbound import InboundStreams
from peers_tui.relay.hub_bounds import HubBounds
from peers_tui.relay.hub_refusals import HeardRefusals, TellOrigin, notice_subject
from peers_tui.relay.limits import federation_stream, limit
from peers_tui.relay.envelope import FED_STREAM, FED_SUBJECTS
from peers_tui.relay.intake import Intake
from peers_tui.relay.ledger import Ledger
from peers_tui.relay.link import LinkState
from peers_tui.relay.link_upkeep import LinkUpkeep
from peers_tui.relay.link_report import LinkReporter
from peers_tui.relay.local import LocalScanner
from peers_tui.relay.lost_inbound import STREAM_DELETED, LostInbound
from peers_tui.relay.presence_sync import PresenceSync
from peers_tui.relay.publish_local import PublishLocal
from peers_tui.relay.refetch import Refetch
from peers_tui.relay.order_service import OrderService
from peers_tui.relay.server import NatsServer
from peers_tui.relay.tunnel import Tunnel
from peers_tui.relay.wake import FileWatch, Waker
from peers_tui.relay.held_retry import SPREAD
from peers_tui.relay.held_waits import HeldWaits
from peers_tui.relay.isolate import REASON
from peers_tui.relay.unsent_hint import UnsentHint
from peers_tui.relay.walk_reach import WalkReach

# PEERS_RELAY_TRACE=1: a timestamped line per publish, batch and subscription (for timing).
TRACE = bool(os.environ.get("PEERS_RELAY_TRACE"))
DUPLICATE_WINDOW = 120.0
# status.json: at once when a link changes, else this often (older than 5 s: gone, hub_reach.STALE_STATUS)
STATUS_EVERY = 2.0


class Relay(PublishLocal, Intake, LinkUpkeep, Refetch, LostInbound):
    """One host's relay: its nats-server, its publisher, its consumer and its status."""

    def __init__(self, hub: Path, config: RelayConfig) -> None:
        self.hub = hub
        self.config = config
        self.is_hub = config.role == "hub"
        self.ledger = Ledger(relay_dir(hub) / "relay.db", config.limits)
        self.founding = Founding(hub, self.ledger.db, limit(config.limits, "groups_per_leaf"),
                                 config.name)  # the hub: groups leaves found there, capped
        self.bounds = HubBounds(self.ledger.db, config.limits, config.name, relay_dir(hub) / "js")
        # A leaf with --ssh: its server dials the tunnel's local end (tunnel.py).
        self.tunnel = Tunnel(config, hub) if not self.is_hub and config.ssh else None
        self.server = NatsServer(replace(config, hub_url=self.tunnel.local_url)
                                 if self.tunnel is not None else config, hub)
        self.link = LinkState(hub, config, self.ledger, self.server)
        self.link.tunnel = self.tunnel
        self.scanner = LocalScanner(hub, config.name, self.ledger)
        self.scanner.hub_clock = self.is_hub
        self._refetch_setup()  # rows gone from a file come back from the hub (refetch.py)
        self.scanner.foreign_commit = self._foreign_commit
        self.held_waits = HeldWaits()  # what the held records wait for (intake.py)
        self._retry_setup()  # ... and held or isolated records looked at by themselves
        self.walk_reach = WalkReach(hub)  # what a join's walk reads, the intake passes over
        self.reporter = LinkReporter(hub, config, self.link, self.ledger, self.scanner)  # .link.json
        self.link.counted_unsent = self.reporter.unsent_total
        self.unsent_hint = UnsentHint()  # a leaf's word to the hub (publish_local.py)
        self.link.hub_relay.unsent = self.unsent_hint.unsent  # carried by its pings
        # The hub's refusals of a leaf's records, told to that leaf (hub_refusals.py)
        self.tell_origin = None if not self.is_hub else TellOrigin(
            lambda: self.config.leaves, self.ledger.is_known)
        self.ledger.on_refused = self.refused_hook(self.tell_origin)  # held_retry.py
        self.refusals = None if self.is_hub else HeardRefusals(
            hub, self.ledger.db, self.reporter.set_refused, lambda: self.config.password)
        self._lost_setup()  # streams lost at the hub, and what was in them (lost_inbound.py)
        self.lock = asyncio.Lock()  # one apply-or-publish at a time: `known` stays true
        self.stopping = asyncio.Event()
        self.relinked = asyncio.Event()  # a leaf's link came up: kept changes go (_held_once)
        self.nc: Any = None
        self.waker: Waker | None = None
        self.config_watch: FileWatch | None = None  # the hub: config.json rewritten (a token)
        self.presence_sync: PresenceSync | None = None
        self.guard = ConsumerGuard(lambda: {*self.config.leaves, self.config.name},  # the hub's
                                   relay_inbox_prefix(config))
        self.backfills: Backfills | None = None
        self.config_mtime = config_path(hub).stat().st_mtime_ns
        self.woke_at = 0.0  # when the publisher last woke (for the trace)
        self.desk = Desk(self)  # the other Unix users' way to the hub (desk.py)

    # ----------------------------------------------------------------- life cycle
    async def run(self) -> None:
        if self.tunnel is not None:
            self.tunnel.start()
        self.server.start(move_client=True)
        if self.server.config.client_port != self.config.client_port:  # moved and stored
            self.config.client_port = self.server.config.client_port
            if load_config(self.hub) == self.config:  # no token made meanwhile: no restart
                self.config_mtime = config_path(self.hub).stat().st_mtime_ns
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stopping.set)
        tasks: list[asyncio.Task[None]] = []
        try:
            self.nc = await nats.connect(
                client_url(self.config), name=f"peers-relay-{self.config.name}",
                max_reconnect_attempts=-1, reconnect_time_wait=0.25, allow_reconnect=True,
                inbox_prefix=relay_inbox_prefix(self.config),  # its own, no one else's
                error_cb=ClientErrors().say)  # not a traceback at every reconnect
            self.js_local = self.nc.jetstream()
            self.js_hub = self.js_local if self.is_hub else self.nc.jetstream(domain="hub")
            if self.is_hub:  # a stream a leaf for what they send (inbound.py)
                self.inbound = InboundStreams(self.js_local, self.ledger, lambda: self.config.leaves,
                                              self._consume, self._forever, self.config.limits,
                                              DUPLICATE_WINDOW, STREAM_CAP,
                                              self._fed_seen, self._inbound_made)
                await self._ensure_streams()
                await self.nc.subscribe(STREAM_DELETED, cb=self._stream_deleted)
                republishing = await self._fed_start()  # PEERS_FED made anew?
                await OrderService(self).start(self.nc, self.link.leaf_links.heard)  # (ordering.py)
                await self.guard.start(self.nc, self.js_local)  # leaves' consumers bounded
            if self.tell_origin is not None:
                await self.tell_origin.connected(self.nc, self.ledger.db)
            if self.refusals is not None:  # the hub's refusals of this host's records
                await self.nc.subscribe(notice_subject(self.config.name), cb=self.refusals.notice)
                self.refusals.start()
            self.waker = Waker(self.hub)
            self.scanner.handled = self.waker.seen
            self.scanner.listing_due = self.waker.listing_due  # listed again when files come or go
            self.waker.wake()  # a first look at every file
            self.backfills = Backfills(self.hub, self.js_hub, self._apply_group, self.ledger,
                                       self.lock, self._trace, self.reporter.set_backfill)
            for group_id, _ in self.scanner.group_files(fresh=True):
                self.backfills.resume(group_id)  # walks a stopped relay left half done
            # The hub: a consumer task a leaf's inbound stream, kept by the supervisor.
            intake, pause = (self.inbound.supervise, 1.0) if self.is_hub else (self._consume, 0.25)
            tasks = [*([republishing] if self.is_hub and republishing else []),
                     asyncio.create_task(self._forever(self._publish_once, 0)),
                     asyncio.create_task(self._forever(intake, pause)),
                     asyncio.create_task(self._forever(self._status_once, STATUS_EVERY)),
                     asyncio.create_task(self._forever(self.reporter.tick, 0)),  # paces itself
                     asyncio.create_task(self._forever(self._reload_once, 0)),  # tokens
                     asyncio.create_task(self._forever(self._census_once, 0)),  # refetch.py
                     asyncio.create_task(self._forever(self._retry_once, 0))]  # held_retry.py
            self.retry_everything(SPREAD)  # the waits read again, isolated records tried
            self.listen_for_pokes()  # `peers relay refetch` (held_retry.py)
            await self.desk.start()
            for group_id, _ in self.scanner.group_files():
                self.count_soon(group_id)  # rows gone while the relay was stopped
            if not self.is_hub:
                tasks.append(asyncio.create_task(self._forever(self._link_once, 0)))
                tasks += [asyncio.create_task(self._forever(self._held_once, 0)),
                          asyncio.create_task(self._forever(self._resend_once, 0))]
            else:
                tasks.append(asyncio.create_task(self._forever(self._leaves_once, 1.0)))
                tasks.append(asyncio.create_task(self._forever(self.guard.sweep, SWEEP)))
            self.presence_sync = PresenceSync(self.hub, self.config.name, self.link,
                                              self.js_local, self.js_hub, self.stopping)
            tasks += [asyncio.create_task(self._forever(self.presence_sync.publish_once, 0)),
                      asyncio.create_task(self._forever(self.presence_sync.listen_once, 1.0))]
            print(f"peers relay: {self.config.name} ({self.config.role}) running; "
                  f"client port 127.0.0.1:{self.config.client_port}", file=sys.stderr, flush=True)
            await self.stopping.wait()
        finally:
            if self.backfills is not None:
                tasks += self.backfills.cancel()
            if self.is_hub and hasattr(self, "inbound"):
                tasks += self.inbound.cancel()
            for task in tasks:
                task.cancel()
            if tasks:  # bounded: a request to an unreachable hub must not hold up the stop
                await asyncio.wait(tasks, timeout=2)
            self.desk.close()  # its thread stopped
            await background_apply.drained(30)  # its page holds the kept connection
            if self.presence_sync is not None:  # others see this host's users leave now
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.presence_sync.withdraw(), 1)
            if self.nc is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.nc.close(), 2)
            self.server.stop()
            if self.tunnel is not None:
                self.tunnel.stop()
            self.bounds.save()
            self.link.write_status(self.scanner, running=False)
            self.reporter.write(running=False)
            self.scanner.close()
            self.link.close()  # its watch of the server's log
            for watch in (self.waker, self.config_watch):
                if watch is not None:
                    watch.close()
            self.ledger.close()

    def _foreign_commit(self, group_id: str) -> None:
        """Another process committed to the group's file: counted against the hub (refetch.py),
        what is held or isolated here looked at (held_retry.py)."""
        self.count_soon(group_id)
        if self.ledger.db.execute(
                "SELECT 1 FROM waiting WHERE group_id = ? UNION ALL SELECT 1 FROM quarantine"
                " WHERE group_id = ? AND substr(reason, 1, ?) = ? LIMIT 1",
                (group_id, group_id, len(REASON), REASON)).fetchone() is not None:
            self.retry_soon(group_id)

    def _trace(self, what: str) -> None:
        if TRACE:
            print(f"peers relay: {time.time():.4f} {self.config.name} {what}", file=sys.stderr, flush=True)

    async def _forever(self, step: Any, pause: float | Callable[[], float]) -> None:
        await forever(self.stopping, step, pause)  # relay/forever.py

    async def _ensure_streams(self) -> None:
        await self._ensure_fed()
        await self.inbound.start()

    async def _ensure_fed(self) -> None:
        config = federation_stream(FED_STREAM, FED_SUBJECTS, self.config.limits,
                                   DUPLICATE_WINDOW, STREAM_CAP)  # bounded: hub_bounds.py
        try:
            await self.js_local.add_stream(config)
        except nats.js.errors.BadRequestError:  # made before its consumers were capped
            await self.js_local.update_stream(config)
