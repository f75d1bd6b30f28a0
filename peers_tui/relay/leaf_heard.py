"""On the hub: whether each leaf's RELAY is heard, not only its link listed (issue 15).

The hub's nats-server lists a leaf's connection until three of its pings go unanswered
(server.py: every 5 s), so with a leaf's nats-server stopped (SIGSTOP) or its host frozen
the hub said "link from C: up" 8 s into the stop (twenty-seventh acceptance pass,
docs/relay.md) and up to ~16 s. Every leaf's relay pings the hub's relay beside each link
probe, once a second while it is answered (hub_heard.py): the hub notes each ping's arrival,
and a leaf listed up but not heard for SILENT_AFTER seconds is silent ("link from C: silent
for 5s"), in `peers relay status` on the hub.

No false alarms from the hub's own stalls:
- A ping waits for the relay lock before its answer (a long apply holds it); the leaf sends
  its next one only when that is answered or its 5 s are up. A leaf with a ping waiting here
  is heard now: it is the hub that is slow.
- The hub's event loop itself held (a long scan, a loaded machine): no ping is read, nor is
  this looked at, until it runs again, and then the looks may come before the pings waiting
  in the socket. Looked at once a second (link_upkeep._leaves_once), a look later than
  STALL after the last one moves every leaf's last hearing on by the time the hub was away,
  and until that look has run no leaf is judged (the status may be written before it).
- A leaf never heard since its link came up (a relay of before pings) is not judged.

Each ping also carries the leaf's round trip to the hub, as its link probe measured it
(hub_heard.ping_payload): the hub's server measures a leaf connection's only with its own
PINGs, which it skips while the leaf sends anything (every second: these pings), so the
figure taken while a frozen leaf thawed stayed for minutes (docs/relay.md). Display only: a
leaf that lies misstates its own link, so it is bounded and checked, never trusted further.
"""

from __future__ import annotations

import json
import math
import time

SILENT_AFTER = 5.0  # as hub_heard.SILENT_AFTER, the leaf's view of the hub's relay
STALL = 2.0  # seconds between two looks (due every second) that mean the hub was held
# Seconds a carried round trip stands for the link: a leaf pings every second, or when its
# last ping is answered (up to 5 s behind a hub relay's long apply); older, the server's.
RTT_FRESH = 10.0
RTT_MAX_MS = 60_000.0  # a probe times out long before: more is no measurement
PAYLOAD_MAX = 2048  # bytes; `{"rtt_ms": 12345.67}` is 20, unsent_hint.PAYLOAD_MOST with groups


def carried_rtt(payload: bytes) -> float | None:
    """The round trip (ms) a leaf's ping carries, or None: empty (a relay of before), too
    long, not `{"rtt_ms": <number>}`, or out of [0, RTT_MAX_MS]."""
    if not payload or len(payload) > PAYLOAD_MAX:
        return None
    try:
        data = json.loads(payload)
    except ValueError:  # (UnicodeDecodeError too)
        return None
    rtt = data.get("rtt_ms") if isinstance(data, dict) else None
    if isinstance(rtt, bool) or not isinstance(rtt, (int, float)) or not math.isfinite(rtt):
        return None
    return float(rtt) if 0 <= rtt <= RTT_MAX_MS else None


class LeafHeard:
    """When each leaf's relay was last heard here, and which have a ping waiting."""

    def __init__(self) -> None:
        self.heard_at: dict[str, float] = {}
        self.waiting: dict[str, int] = {}
        self.looked_at: float | None = None
        self.rtt: dict[str, tuple[float, float]] = {}  # leaf: (round trip carried, when)

    def asked(self, leaf: str, now: float | None = None, rtt_ms: float | None = None) -> None:
        """A ping from `leaf` arrived (before it waits for the lock), carrying `rtt_ms`."""
        now = time.time() if now is None else now
        self.heard_at[leaf] = now
        self.waiting[leaf] = self.waiting.get(leaf, 0) + 1
        if rtt_ms is not None:
            self.rtt[leaf] = (rtt_ms, now)

    def answered(self, leaf: str, now: float | None = None) -> None:
        """Its answer went (or could not): heard until now."""
        self.heard_at[leaf] = time.time() if now is None else now
        left = self.waiting.get(leaf, 0) - 1
        if left > 0:
            self.waiting[leaf] = left
        else:
            self.waiting.pop(leaf, None)

    def linked(self, leaf: str) -> None:
        """`leaf`'s link came up (again): not judged until it is heard on it."""
        self.heard_at.pop(leaf, None)
        self.rtt.pop(leaf, None)

    def rtt_ms(self, leaf: str, now: float | None = None) -> float | None:
        """The round trip `leaf` carried in a ping within RTT_FRESH seconds, else None."""
        now = time.time() if now is None else now
        carried = self.rtt.get(leaf)
        return None if carried is None or now - carried[1] > RTT_FRESH else carried[0]

    def look(self, now: float | None = None) -> None:
        """The hub's once-a-second look: a gap longer than STALL was the hub's, not the
        leaves' (moved on by it)."""
        now = time.time() if now is None else now
        if self.looked_at is not None and now - self.looked_at > STALL:
            away = now - self.looked_at - 1.0
            for leaf in self.heard_at:
                self.heard_at[leaf] += away
            for leaf, (rtt, at) in self.rtt.items():  # (not stale for the hub's own stall)
                self.rtt[leaf] = (rtt, at + away)
        self.looked_at = now

    def silent_since(self, leaf: str, now: float | None = None) -> float | None:
        """When `leaf`'s relay was last heard, once that is SILENT_AFTER ago and no ping of
        it waits here; else None (heard, or never heard on this link)."""
        now = time.time() if now is None else now
        if self.looked_at is not None and now - self.looked_at > STALL:
            # The hub itself was held since its last look, which has not run again yet (the
            # status written first after a SIGCONT of 7 s called B silent in CI): its look
            # moves the hearings on first, as it does for the pings in the socket.
            return None
        heard = self.heard_at.get(leaf)
        if heard is None or self.waiting.get(leaf) or now - heard < SILENT_AFTER:
            return None
        return heard
