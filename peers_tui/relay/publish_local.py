"""This host's records: the relay's publisher (mixed into runner.Relay).

Woken when a group file is written (wake.py), it scans the files other processes committed
to (local.py) and publishes their new genuine records in order: a leaf to its inbound stream
at the hub, the hub straight to `PEERS_FED`; positions move once they are stored upstream.
A leaf woken for a large backlog a user wrote (an import) tells the hub first which groups
it has not begun to send (unsent_hint.py): the scan holds the loop for a while, and a join
elsewhere of a code made right after asks the hub meanwhile whether it may wait.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peers_tui.relay import stream_order
from peers_tui.relay.backfill import Backfills
from peers_tui.relay.envelope import Envelope, fed_subject, in_subject
from peers_tui.relay.fetch import read_group
from peers_tui.relay.file_tokens import data_version
from peers_tui.relay.founding import Founding
from peers_tui.relay.held_waits import HeldWaits
from peers_tui.relay.hub_heard import ping_subject
from peers_tui.relay.ledger import Ledger
from peers_tui.relay.link import LinkState
from peers_tui.relay.link_report import LinkReporter
from peers_tui.relay.local import LocalScanner
from peers_tui.relay.publishing import publishing
from peers_tui.relay.unsent_hint import UnsentHint
from peers_tui.relay.wake import Waker
from peers_tui.relay.config import RelayConfig

if TYPE_CHECKING:
    from peers_tui.relay import apply
    from peers_tui.relay.held_waits import Wait

PUBLISH_CHUNK = 256


class PublishLocal:
    """Publishing this host's records (mixed into runner.Relay)."""

    hub: Path
    config: RelayConfig
    is_hub: bool
    ledger: Ledger
    link: LinkState
    reporter: LinkReporter
    scanner: LocalScanner
    founding: Founding
    held_waits: HeldWaits
    backfills: Backfills | None
    waker: Waker | None
    unsent_hint: UnsentHint
    lock: asyncio.Lock
    nc: Any
    js_local: Any
    js_hub: Any
    woke_at: float
    # runner.Relay's (its mixins'): a trace line, records marked on their way (refetch.py),
    # stored upstream (intake.py), applied here
    _trace: Callable[[str], None]
    sent_upstream: Callable[[list[Envelope]], None]
    if TYPE_CHECKING:  # (as they are defined there: no stand-ins ahead of them at run time)
        async def _stored(self, sending: Awaitable[list[Any]], chunk: list[Envelope]) -> None: ...

        async def _apply_group(self, group_id: str, envelopes: list[Envelope],
                               then: Callable[[Any], None] | None = None,
                               run: Callable[[Callable[[], Any]], Awaitable[Any]] | None = None,
                               from_stream: bool = False, also: set[Wait] | None = None,
                               retrying: bool = False) -> apply.Outcome | None: ...

    async def _publish_once(self) -> None:
        assert self.waker is not None
        woken = await self.waker.wait(self.scanner.busy)
        self.woke_at = time.time()
        if not self.is_hub and not self.link.up:
            return
        if not self.is_hub and self.unsent_hint.woke(self.waker.names, self._backlog):
            await self.unsent_hint.say(self.nc, ping_subject(self.config.name))
        try:
            looked = await self._look_and_send(woken)
        finally:
            self.unsent_hint.passed()  # what it found is at the hub's stream, or was nothing
        if not looked:
            return
        self.waker.failing = False
        if self.scanner.more:
            self.waker.wake()

    async def _look_and_send(self, woken: bool) -> bool:
        """Scan the changed files and send what they hold; False when there was nothing to
        look at."""
        assert self.waker is not None
        async with self.lock:
            # Woken by the relay's own apply (which held the lock meanwhile), or by the later
            # frames of a commit already published: nothing to look at (Waker.seen).
            if woken and self.waker.all_seen() and not self.scanner.busy:
                return False
            self.scanner.group_files(fresh=self.waker.take_new_file())
            self.waker.failing = True  # until this look is through: looked at again soon
            # New files a pass as many as stores are kept, each scanned below while its store
            # is still open (200 new ones at a leaf's first start: each opened twice).
            taken, self.scanner.more = 0, False
            for group_id in self.scanner.unseen():
                if taken == self.scanner.stores.cap:
                    self.scanner.more = True  # the rest at once, in the next pass
                    break
                if not self.is_hub:
                    if not self.scanner.fetchable(group_id):
                        continue  # empty or damaged: looked at again (local.fetchable)
                    await self._backfill(group_id)
                self.scanner.mark_seen(group_id)
                taken += 1
            for group_id, envelopes, commit in self.scanner.changes(seen_only=True):
                if self.is_hub and envelopes:  # never a place the stream holds (stream_order.py)
                    envelopes = await stream_order.publishable(self, group_id, envelopes)
                if envelopes:
                    self._trace(f"scanned {len(envelopes)} of {group_id[:6]} (woken at {self.woke_at:.4f})")
                # On their way before they go: the hub's copy can come back from the stream
                # before the publish's acknowledgement ends `_send`, and one marked after it
                # stayed "on its way" for IN_FLIGHT (refetch.py): a host writing every second
                # was never level, and a file put back was fetched back only once it paused.
                self.sent_upstream(envelopes)
                await self._send(envelopes)
                if envelopes:  # what they end (intake, held_waits.py)
                    self.held_waits.written(group_id, envelopes)
                if self.is_hub and envelopes:  # written here: a user of the hub takes part
                    self.founding.taken_part(group_id)
                commit()
                self.reporter.sent(group_id)
                if envelopes:
                    self._trace(f"published {len(envelopes)} of {group_id[:6]}")
        return True

    async def _send(self, envelopes: list[Envelope]) -> None:
        """Publish in order (the hub to PEERS_FED, a leaf to its inbound stream), pipelined."""
        js, key = (self.js_local, "") if self.is_hub else (self.js_hub, self.config.password)
        for start in range(0, len(envelopes), PUBLISH_CHUNK):  # (key: a leaf's ids, envelope.py)
            chunk = envelopes[start:start + PUBLISH_CHUNK]
            sending = publishing([js.publish(self._subject(e), e.payload(),  # (publishing.py)
                                             headers=e.headers(key), timeout=2.0) for e in chunk])
            await self._stored(sending, chunk)  # counted at the hub, kept by a leaf

    def _subject(self, envelope: Envelope) -> str:
        if self.is_hub:
            return fed_subject(envelope.group_id, envelope.table)
        return in_subject(self.config.name, envelope.group_id)

    async def _backfill(self, group_id: str) -> None:
        """A group new here: a join's walk continued (backfill.py), else all of it in order."""
        if self.backfills is not None and self.backfills.resume(group_id):
            return
        records = [r for r in await read_group(self.js_hub, group_id)
                   if r.origin != self.config.name]
        if records:
            await self._apply_group(group_id, records)

    def _backlog(self, group_id: str) -> int:
        """Records another process committed to the group's file that this relay has not
        sent (an indexed count), 0 without a count where only its own applies wrote since
        its last scan was sent (its kept connection: `PRAGMA data_version` as it was)."""
        scanner = self.scanner
        if group_id in scanner.lent:
            return 0
        store = scanner.stores.get(group_id)
        if store is not None and data_version(store) == scanner.versions.get(group_id):
            return 0
        return scanner.count_after(group_id, self.hub / f"{group_id}.db",
                                   self.ledger.position(f"msg:{group_id}"),
                                   self.ledger.position(f"invite:{group_id}")) or 0
