"""A relay's upkeep of its link and status, each a step `runner.Relay` repeats for ever: a
leaf's link to the hub looked at (and its ssh tunnel), the handle changes it kept while the
hub was unreachable proposed once it is back, a token made or revoked taking effect at once,
the hub's view of which leaves are connected, and status.json written (its nats-server
started again if it exited).

Separate from runner.Relay's life cycle and publishing, and from its intake (intake.py): each
step here only keeps what others read of the relay in step with the world (mixed into
runner.Relay, as Intake is).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peers_tui.relay import held
from peers_tui.relay.config import RelayConfig, config_path, load_config
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.wake import FileWatch

if TYPE_CHECKING:
    from peers_tui.relay.hub_bounds import HubBounds
    from peers_tui.relay.hub_refusals import HeardRefusals
    from peers_tui.relay.link import LinkState
    from peers_tui.relay.link_report import LinkReporter
    from peers_tui.relay.local import LocalScanner
    from peers_tui.relay.presence_sync import PresenceSync
    from peers_tui.relay.server import NatsServer
    from peers_tui.relay.tunnel import Tunnel
    from peers_tui.relay.wake import Waker

# A leaf's kept handle changes (held.py) go when the link comes up, and are looked for this
# often while it stays up (a change is kept then only when the hub did not answer in time).
HELD_EVERY = 2.0


class LinkUpkeep:
    """The link and status steps (mixed into runner.Relay, which runs each for ever)."""

    hub: Path
    config: RelayConfig
    config_mtime: int
    config_watch: FileWatch | None
    server: NatsServer
    tunnel: Tunnel | None
    link: LinkState
    reporter: LinkReporter
    scanner: LocalScanner
    bounds: HubBounds
    presence_sync: PresenceSync | None
    waker: Waker | None
    lock: asyncio.Lock
    relinked: asyncio.Event
    ask_again: bool  # lost_inbound.py
    _ask_due: Callable[[], bool]
    _stream_deleted: Callable[[Any], Coroutine[Any, Any, None]]
    refusals: HeardRefusals | None  # a leaf: the hub's refusals of its records
    recount_missed: Callable[[], None]
    nc: Any
    # Intake's: applying records of a group (here a leaf's kept handle changes, once proposed)
    _apply_group: Callable[[str, list[Envelope]], Awaitable[object]]

    async def _link_once(self) -> None:
        await self.link.next_look()  # its pause, or this leaf's server saying its link moved
        if self.tunnel is not None:
            self.tunnel.check()  # a dead ssh is started again after its backoff
            if self.tunnel.moved:  # its local port was taken: the server dials the new one
                self.tunnel.moved = False
                self.server.restart(replace(self.config, hub_url=self.tunnel.local_url))
                self.link.generation += 1  # consumers start again now
        was_up, generation, problem = self.link.up, self.link.generation, self.link.problem
        await self.link.check(self.nc)
        if self.link.up and was_up and self.link.generation != generation:
            self.ask_again = True  # the hub's server restarted under the link: its streams
            # may be new (what the hub has of this host's records: relay/lost_inbound.py)
        if was_up and not self.link.up:  # what arrived just before the cut is not ours to send
            async with self.lock:
                self.scanner.catch_up()
        # the hub's relay gone silent, or heard again (hub_heard.py): as soon, the same way
        relay_moved = self.link.hub_relay.moved(self.link.hub_relay_silent() is not None)
        if self.link.up != was_up or self.link.problem != problem or relay_moved:
            # not a second late; nor its reason, when it shows after the cut: a leaf cut
            # at the close of its connection (link.cut_now) learns that the hub refused
            # its token only at its next attempt (the status said "hub unreachable" 2 s)
            self.link.write_status(self.scanner, running=True)
            self.reporter.changed(at_once=self.link.up != was_up)
        if self.link.up and not was_up:
            self.relinked.set()  # handle changes kept offline go now
            self.recount_missed()  # groups not counted against the hub meanwhile (refetch.py)
            if self.waker is not None:
                self.waker.wake()  # what was written offline goes now

    async def _held_once(self) -> None:
        """Handle changes kept while the hub was unreachable go once it is back (held.py)."""
        with contextlib.suppress(asyncio.TimeoutError):  # first: _forever does not pause this
            await asyncio.wait_for(self.relinked.wait(), HELD_EVERY)
        relinked = self.relinked.is_set()
        self.relinked.clear()
        if self.link.up and (relinked or self.ask_again or self._ask_due()
                             or self.link.hub_clock.due()) and self.refusals is not None:
            # missed while down (hub_refusals.py); what the hub has of ours (lost_inbound.py);
            # the hub's clock, stamped on its answer (hub_clock.py)
            self.refusals.stamped = None
            self.ask_again = not await self.refusals.ask(self.nc, self.config.name)
            if self.refusals.stamped is not None and self.link.hub_clock.heard(
                    *self.refusals.stamped):
                self.reporter.changed()  # this host's writers bound by it from now
                self.link.write_status(self.scanner, running=True)  # `relay status` says so
        if self.link.up:
            for envelope in await held.propose_held(self.nc, self.config.name, self.hub):
                async with self.lock:
                    await self._apply_group(envelope.group_id, [envelope])

    async def _reload_once(self) -> None:
        """A token made or revoked while running takes effect at once (nats-server reload);
        on a leaf, a new token of its own (`relay init --leaf TOKEN`), through its tunnel."""
        if self.config_watch is None:
            self.config_watch = FileWatch(config_path(self.hub))
        await self.config_watch.wait(0.5, 10.0)  # written, or a look now and then all the same
        try:
            changed = config_path(self.hub).stat().st_mtime_ns
        except OSError:
            return
        if changed != self.config_mtime:
            self.config_mtime = changed
            self.config = load_config(self.hub)
            self.server.restart(replace(self.config, hub_url=self.tunnel.local_url)
                                if self.tunnel is not None else self.config)
            self.link.leaf_links.restarted()  # each leaf back at once keeps its "since"
            self.link.generation += 1  # consumers start again now, not after a heartbeat

    async def _leaves_once(self) -> None:
        """The hub: which leaves are connected now, from its server's connection list."""
        if await self.link.leaf_links.observe(self.server.monitor_port, self.config.leaves):
            self.link.write_status(self.scanner, running=True)  # a cut shows at once
            if self.presence_sync is not None:  # a cut leaf's people away now (presence_sync)
                await self.presence_sync.leaves_changed(self.link.leaf_links.snapshot())

    async def _status_once(self) -> None:
        exited = self.server.revive()
        if exited is not None:  # the link stayed down for good before
            print(f"peers relay: its nats-server exited (code {exited}); started again",
                  file=sys.stderr, flush=True)
            self.link.generation += 1
            await self._stream_deleted(None)  # its store may be gone: streams looked at now
        self.bounds.save()
        self.scanner.stores.trim()  # closed stores' memory back to the system, when due
        self.link.write_status(self.scanner, running=True)
