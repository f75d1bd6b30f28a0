"""Streams lost at the hub, and what was in them (docs/relay.md, "Lost inbound records
recovered (h-lostinbound)"). Part of `runner.Relay`.

The leaf: what it sent and the hub may not have is kept (unconfirmed.py) and published
again when the hub's word, or an acknowledgement, shows its inbound stream was made anew.

The hub: a stream lost while its relay runs (deleted under it by an operator, or its
nats-server revived with an empty store) was noticed only at the relay's next start
(republish.py). Now the streams the inbound supervisor lists anyway (every LOOK_AGAIN s,
and at once after a stream-deleted advisory or a publish the stream did not take:
inbound.py) are looked at: `PEERS_FED` missing, or created at another time than kept, is
made again as a start makes it and the hub's files are published into it again; a leaf's
inbound stream missing is made again by the supervisor, and that leaf is told
(hub_refusals.TellOrigin.anew) so that it asks at once what the hub has of its records.
Every leaf is told when `PEERS_FED` was made again: its consumer starts over from the
stream's start (waiting.within_stream).
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from peers_tui.relay import republish
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.hub_refusals import HeardRefusals
from peers_tui.relay.inbound import leaf_stream, position_key
from peers_tui.relay.unconfirmed import Unconfirmed

if TYPE_CHECKING:
    from peers_tui.relay.config import RelayConfig
    from peers_tui.relay.hub_bounds import HubBounds
    from pathlib import Path

    from peers_tui.relay.hub_refusals import TellOrigin
    from peers_tui.relay.inbound import InboundStreams
    from peers_tui.relay.ledger import Ledger
    from peers_tui.relay.link import LinkState
    from peers_tui.relay.link_report import LinkReporter
    from peers_tui.relay.presence_sync import PresenceSync

STREAM_DELETED = "$JS.EVENT.ADVISORY.STREAM.DELETED.*"
KEPT_ASK = 60.0  # seconds: a leaf's records kept this long are asked about (`_ask_due`)


async def hub_answer(nc: Any, db: sqlite3.Connection, host: str) -> dict[str, int] | None:
    """The hub's word on leaf `host`'s inbound stream: its creation time and last sequence,
    and how far the hub applied it (inbound.py's position); None when it cannot be read."""
    try:
        info = await nc.jetstream().stream_info(leaf_stream(host))
    except Exception:  # noqa: BLE001 - not made yet: the leaf asks again
        return None
    row = db.execute("SELECT value FROM positions WHERE key = ?",
                     (position_key(leaf_stream(host)),)).fetchone()
    return {"applied": int(row[0]) if row else 0, "created": republish.created_at(info),
            "last": int(info.state.last_seq or 0)}


class LostInbound:
    """Mixed into runner.Relay."""

    config: RelayConfig
    hub: Path
    is_hub: bool
    reporter: LinkReporter
    ledger: Ledger
    link: LinkState
    lock: asyncio.Lock
    bounds: HubBounds
    inbound: InboundStreams
    refusals: HeardRefusals | None
    presence_sync: PresenceSync | None
    tell_origin: TellOrigin | None
    js_local: Any
    _send: Callable[[list[Envelope]], Awaitable[None]]  # runner.Relay's
    _ensure_fed: Callable[[], Awaitable[None]]

    def _lost_setup(self) -> None:
        self.unconfirmed = None if self.is_hub else Unconfirmed(self.ledger)
        self.resend_due = asyncio.Event()
        self.ask_again = False  # the leaf's question to the hub not answered yet: asked again
        self.rebuilding: asyncio.Task[None] | None = None  # the hub: PEERS_FED made again
        self.fed_watched = False  # ... once the start's own look is through (_fed_start)
        self.asked_at = 0.0  # the leaf: when it last asked the hub what it has of its records
        if self.refusals is not None:
            self.refusals.on_inbound = self._told
            self.refusals.on_heard = lambda digest: self._confirmed([digest])
            self.refusals.on_anew = self._anew_at_hub
            self.ledger.on_taken_out = told_as_refused(self.refusals, self.config.name)
        else:  # the hub's own users are told of their posts a cut voided here, as a leaf's
            # are (h-told): a removal from a leaf whose cut had not seen them took them out
            # of the hub's file without a word. Kept in the same table, never asked nor sent.
            voided = HeardRefusals(self.hub, self.ledger.db, self.reporter.set_refused)
            voided.start()  # those kept before a restart, to `.link.json`
            self.ledger.on_taken_out = told_as_refused(voided, self.config.name)
        tell = self.tell_origin
        if tell is not None:  # the hub: asked by a leaf at each link
            tell.inbound = lambda host: hub_answer(tell.nc, self.ledger.db, host)

    # ----------------------------------------------------------------- the leaf
    async def _stored(self, sending: Awaitable[list[Any]], chunk: list[Envelope]) -> None:
        """A chunk's publishing (runner.Relay._send) awaited: the hub counts what PEERS_FED
        holds and notes its bound refusing (hub_bounds.py); a leaf keeps what it sent."""
        if self.is_hub:
            await self.bounds.publish(sending, chunk)
        else:
            self._leaf_sent(chunk, await sending)

    def _leaf_sent(self, envelopes: list[Envelope], acks: list[Any]) -> None:
        if self.unconfirmed is not None:
            self.unconfirmed.sent(envelopes, acks)
            if self.unconfirmed.anew:
                self.resend_due.set()

    def _confirmed(self, hashes: list[str]) -> None:
        if self.unconfirmed is not None:
            self.unconfirmed.confirmed(hashes)

    def _told(self, inbound: object) -> None:
        """The hub's answer about this leaf's inbound stream (hub_refusals.HeardRefusals.ask)."""
        if self.unconfirmed is not None:
            self.unconfirmed.told(inbound)
            if self.unconfirmed.anew:
                self.resend_due.set()

    def _ask_due(self) -> bool:
        """Records kept for a while (the hub found them duplicates: none comes back) are
        confirmed by asking the hub, once a minute at most, only while some are kept."""
        if self.unconfirmed is None:
            return False
        self.unconfirmed.flush()  # what came back meanwhile (every HELD_EVERY s)
        if not self.unconfirmed.hashes:
            return False
        now = time.monotonic()
        if now - self.asked_at < KEPT_ASK:
            return False
        self.asked_at = now
        return self.unconfirmed.oldest() < time.time() - KEPT_ASK

    def _anew_at_hub(self) -> None:
        """The hub made a stream again while running: asked at once, consumers start over."""
        self.ask_again = True
        self.link.generation += 1

    async def _resend_once(self) -> None:
        """Everything kept goes again once a stream made anew was found (a leaf)."""
        await self.resend_due.wait()
        self.resend_due.clear()
        if self.unconfirmed is None or not self.unconfirmed.anew:
            return
        if not self.link.up:
            self.resend_due.set()
            await asyncio.sleep(1.0)
            return
        async with self.lock:
            self.unconfirmed.anew = False
            records = self.unconfirmed.kept(self.config.name)
            try:
                await self._send(records)
            except Exception as exc:  # noqa: BLE001 - tried again in a second
                self.unconfirmed.anew = True
                self.resend_due.set()
                print(f"peers relay: records the hub may lack not sent again yet: {exc}",
                      file=sys.stderr, flush=True)
                await asyncio.sleep(1.0)
                return
        if records:
            print(f"peers relay: the hub's inbound stream for this host was made anew: "
                  f"{len(records)} records it may not have applied sent again",
                  file=sys.stderr, flush=True)

    # ----------------------------------------------------------------- the hub
    async def _fed_start(self) -> asyncio.Task[None] | None:
        """At the hub's start: PEERS_FED made anew while stopped (republish.check); from
        then on, looked at as the supervisor lists the streams."""
        task = await republish.check(self)
        self.fed_watched = True
        return task

    async def _stream_deleted(self, msg: Any) -> None:
        """An advisory: a stream was deleted (or the hub's server started again, its store
        perhaps gone): the supervisor looks at the streams now, not within LOOK_AGAIN s."""
        if not self.is_hub or not hasattr(self, "inbound"):
            return
        self.inbound.looked = 0.0
        if self.presence_sync is not None:  # made again by its listener, which starts over
            self.presence_sync.stream_ready = False
            self.link.generation += 1

    async def _fed_seen(self, info: Any) -> None:
        """`PEERS_FED` as the supervisor listed it (None: missing)."""
        if not self.fed_watched or (self.rebuilding is not None and not self.rebuilding.done()):
            return
        kept = self.ledger.position(republish.CREATED)
        if info is not None and (not kept or republish.created_at(info) in (0, kept)):
            return
        print(f"peers relay: the federation stream {republish.FED_STREAM} "
              f"{'is gone' if info is None else 'was made anew'} while this relay ran: "
              "made again", file=sys.stderr, flush=True)
        self.rebuilding = asyncio.create_task(self._rebuild())

    async def _rebuild(self) -> None:
        try:
            await self._ensure_fed()
            self.bounds.counts.clear()  # each group's subjects counted again
            task = await republish.check(self)
            if self.tell_origin is not None:
                for host in sorted(self.config.leaves):
                    self.tell_origin.anew(host)
            if task is not None:
                await task
        except Exception as exc:  # noqa: BLE001 - looked at again at the next listing
            print(f"peers relay: the federation stream not made again yet: {exc}",
                  file=sys.stderr, flush=True)

    def _inbound_made(self, host: str) -> None:
        """A leaf's inbound stream made again while running: that leaf asks at once."""
        if self.tell_origin is not None:
            self.tell_origin.anew(host)


def told_as_refused(refusals: HeardRefusals, host: str) -> Callable[[Envelope, str], None]:
    """Ledger.on_taken_out on a leaf: a record of this host's that a cut voided here before it
    went out (the removal arrived first, a leaf frozen and resumed) is told to its author as
    the hub's refusal of it would have been (`peers groups` "removed, 8 refused by the hub",
    the app's link line), whichever came first; counted once (rejected_listing)."""
    def taken_out(envelope: Envelope, reason: str) -> None:
        if envelope.origin == host:
            refusals.heard(envelope.group_id, envelope.table, envelope.hash, reason, None,
                           said="a cut voided this host's")
    return taken_out


__all__ = ["STREAM_DELETED", "LostInbound", "hub_answer", "told_as_refused"]
