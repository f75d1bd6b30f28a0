"""Whether a leaf hears the hub's RELAY, not only the hub's nats-server (issue 15).

A leaf's link probe (link.py) asks the hub's JetStream API: the hub's server answers it. With
the hub's relay stopped (SIGSTOP) or stuck, every leaf read `⇅ hub ✓ 2 ms` while nothing it
sent was passed on to the other hosts (the hub's server stored it; its relay neither applied
nor republished it) and membership changes timed out. Nothing the hub's relay sends is both
periodic and quick enough to tell (its presence heartbeat is 15 s), so beside its probes
the leaf also asks the hub's relay on `peers.ping.<leaf>` (permissions.py), and the hub's
relay answers once it can take the relay lock: the lock its applies and its membership
sequencer (order_service.py) hold, so a relay hung in a long apply is as silent as a stopped
one.

Silent: no answer for SILENT_AFTER seconds while the link is up. Not every miss: an answer
waits for the lock behind a batch being applied (a busy hub relay is slow, not silent); a
membership change waits ordering.REQUEST_TIMEOUT (3 s) for its answer, so a hub relay silent
longer than that has already failed one; and 5 s is the bound after which a LOCAL relay that
wrote no status is called silent too (hub_reach.STALE_STATUS). "No responders" is no
silence: the hub's relay, dead, takes its server along (server.py: PDEATHSIG), so it means a
hub relay from before pings (its server lets no leaf send on the subject: no responders).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import nats

# STALL: seconds past its due look (link.next_look: due every second or sooner) that mean
# this relay's own loop was held (SIGSTOP, a frozen host), the bound the hub uses for its own:
# that time was this leaf's silence, not the hub's relay's (a leaf frozen 10 s read `hub
# relay silent 10s` for ~1.2 s once resumed).
from peers_tui.relay.leaf_heard import STALL, LeafHeard, carried_rtt
from peers_tui.relay.unsent_hint import HintsHeard, carried_unsent

SILENT_AFTER = 5.0
PING_SUBJECTS = "peers.ping.*"


def ping_subject(host: str) -> str:
    return f"peers.ping.{host}"


def ping_payload(rtt_ms: float | None, unsent: list[str] | None = None) -> bytes:
    """This leaf's round trip to the hub (its last link probe's), carried in its ping for the
    hub's status: the hub's server measures its own only with PINGs it skips while the leaf
    sends (leaf_heard.carried_rtt); and the groups it has not begun to send what its users
    wrote of (unsent_hint.py), when there are any. Empty before a probe answered, as from a
    relay of before; a hub relay of before answers without reading it."""
    said: dict[str, object] = {} if rtt_ms is None else {"rtt_ms": round(rtt_ms, 2)}
    if unsent:
        said["unsent"] = unsent
    return json.dumps(said).encode() if said else b""


class HubHeard:
    """The leaf's side: when the hub's relay last answered (a grace from the link's start).

    One ping at a time, waited for up to SILENT_AFTER beside the probes (not in them): a hub
    relay that answers late under load, a batch at a time, is slow, not silent, and the ping
    sent while it was stopped is answered as soon as it runs again."""

    def __init__(self) -> None:
        self.heard_at = time.time()
        self.asking: asyncio.Task[None] | None = None
        self.shown = False  # silent, as the status and the link file last said (moved)
        self.on_heard: Callable[[], None] = lambda: None  # (link_report: what it passed on)
        self.due: float | None = None  # when the link loop's next look is due (monotonic)
        self.unsent: Callable[[], list[str]] = list  # (unsent_hint.UnsentHint: the runner's)

    def linked(self) -> None:
        """The link (re)made: the hub's relay is given SILENT_AFTER from now to answer."""
        self.heard_at = max(self.heard_at, time.time())

    def woke(self, due: float) -> None:
        """The link loop looks, its look due at `due`: late past STALL, this relay was held,
        and the hub's relay is given SILENT_AFTER from now (its ping, sent before, timed out
        meanwhile; the next one is sent now)."""
        if time.monotonic() - due > STALL:
            self.linked()

    def ask(self, nc: Any, host: str, rtt_ms: float | None = None) -> None:
        """Ping the hub's relay (with this leaf's round trip), unless a ping still waits for
        its answer."""
        if self.asking is None or self.asking.done():
            self.asking = asyncio.ensure_future(self._ask(nc, host, ping_payload(
                rtt_ms, self.unsent())))

    async def _ask(self, nc: Any, host: str, payload: bytes) -> None:
        try:
            await nc.request(ping_subject(host), payload, timeout=SILENT_AFTER)
        except nats.errors.NoRespondersError:
            pass  # a hub relay from before pings: nothing known (the module's docstring)
        except Exception:
            return  # a timeout (a stopped or stuck relay), or the link going: no answer
        self.heard_at = time.time()
        self.on_heard()

    def close(self) -> None:
        if self.asking is not None:
            self.asking.cancel()

    def moved(self, silent: bool) -> bool:
        """Whether the relay turned `silent`, or was heard again, since the last call: an
        answer comes between two probes, so a look before and after one missed it (status.json
        said "silent" up to its next write, 2 s)."""
        moved, self.shown = silent != self.shown, silent
        return moved

    def silent_since(self, up: bool, now: float | None = None) -> float | None:
        """When the hub's relay was last heard, once that is SILENT_AFTER ago and the link is
        up (a link down says more); else None."""
        now = time.time() if now is None else now
        if self.due is not None and time.monotonic() - self.due > STALL:
            return None  # this relay held since its last look (STALL), which has not run yet
        return self.heard_at if up and now - self.heard_at >= SILENT_AFTER else None


async def answer_pings(nc: Any, lock: Any, heard: LeafHeard | None = None,
                       hints: HintsHeard | None = None) -> Any:
    """The hub's side: each leaf's ping answered once the relay lock is free (its
    subscription, for the caller to keep); `heard` notes each leaf's (leaf_heard.py), and the
    round trip it carries, if any (ping_payload); `hints` what it says it has unsent, a ping
    or a word with no reply wanted (unsent_hint.py), noted before the lock as the hearing."""

    async def answer(msg: Any) -> None:
        leaf = str(msg.subject).rpartition(".")[2]
        if hints is not None:
            hints.said(leaf, carried_unsent(msg.data))
        if not msg.reply:
            return
        if heard is not None:
            heard.asked(leaf, rtt_ms=carried_rtt(msg.data))
        try:
            async with lock:  # an apply under way (or hung) holds it: the answer waits with it
                pass
            await msg.respond(b"")
        finally:
            if heard is not None:
                heard.answered(leaf)

    return await nc.subscribe(PING_SUBJECTS, cb=answer)
