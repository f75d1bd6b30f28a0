"""Bounds on what other hosts can make the hub store: the inbound stream and the quarantine.

A leaf may publish anything on its own subjects `peers.in.<leaf>.<group>` (permissions.py): a
hostile or broken one could fill the hub's disk through PEERS_IN, and through the quarantine
and waiting tables of the relay's ledger, where what the hub refuses or holds is kept. So:

- Each leaf publishes into a stream of its own at the hub, `PEERS_IN_<host>` (inbound.py),
  which holds only what the hub relay has not applied yet: the relay purges what it has
  applied (`InboundTrim`), so its bounds are on the backlog, not the history (PEERS_FED is
  the history). They are DiscardPolicy.NEW: a publish past a bound is refused, and the
  publishing relay keeps the records and tries again (its scan position moves only once
  every record was stored), so nothing genuine is lost, where DiscardPolicy.OLD would drop
  the oldest records not applied yet. `max_msgs_per_subject` with `discard_new_per_subject`
  bounds the leaf's backlog for one group; `max_bytes` the leaf's backlog across all its
  groups (a leaf spreading a flood over made-up groups fills its own stream only, and
  refuses only its own publishes); `max_msg_size` one record (a 16,000-character message
  escapes to under 100 KB).
- The quarantine keeps at most `quarantine_per_host` refused records a host, and counts
  them all (`rejected_counts`: what `relay status` shows); the waiting table holds at most
  `waiting_per_host` records a host: one more is refused instead (it would be retried with
  every batch of its group, a cost as well as a size).

- A leaf may found at most `groups_per_leaf` groups at the hub that no user of the hub takes
  part in (founding.py): a genesis beyond that is refused.

The hub's `config.json` may set any of these under "limits" (tests set small ones).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nats.js.api import StreamConfig

DEFAULTS = {
    "in_max_bytes": 256 * 1024 * 1024,
    "in_max_msgs_per_subject": 20_000,
    "in_max_msg_size": 256 * 1024,
    "quarantine_per_host": 10_000,
    "waiting_per_host": 20_000,
    "groups_per_leaf": 1_000,  # founded by a leaf, no user of the hub in them (founding.py)
    # What the hub keeps for good (hub_bounds.py): a group's records on one subject of
    # PEERS_FED (ten times the largest group measured, 1,000,000), a leaf's bytes stored,
    # and the disk left free under the store.
    "fed_max_msgs_per_group": 10_000_000,
    # Joins and handle changes a group's membership log may hold at the hub (hub_bounds.py:
    # removals, leaves, role changes and revocations are always taken). A hundred times the
    # joins and renames of a 1,000-member group, and far below the stream's own bound on
    # the log's subject (the one above), which would refuse a removal too.
    "fed_max_changes_per_group": 100_000,
    "leaf_max_bytes": 16 * 10 ** 9,
    "min_free_disk": 10 ** 9,
}
# Purge what was applied once this many records or seconds have passed: one request then,
# not one a delivery.
TRIM_RECORDS, TRIM_SECONDS = 500, 2.0


def limit(overrides: dict[str, int] | None, name: str) -> int:
    value = (overrides or {}).get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 \
        else DEFAULTS[name]


def inbound_stream(name: str, subjects: str, overrides: dict[str, int] | None,
                   duplicate_window: float, max_consumers: int) -> StreamConfig:
    """A leaf's inbound stream's config: what every stream of the relay has, and the bounds."""
    # nats only here: the ledger reads the other bounds, also where the relay extra is absent
    from nats.js.api import DiscardPolicy, StreamConfig

    return StreamConfig(name=name, subjects=[subjects], discard=DiscardPolicy.NEW,
                        duplicate_window=duplicate_window, max_consumers=max_consumers,
                        discard_new_per_subject=True,
                        max_bytes=limit(overrides, "in_max_bytes"),
                        max_msgs_per_subject=limit(overrides, "in_max_msgs_per_subject"),
                        max_msg_size=limit(overrides, "in_max_msg_size"))


def federation_stream(name: str, subjects: str, overrides: dict[str, int] | None,
                      duplicate_window: float, max_consumers: int) -> StreamConfig:
    """PEERS_FED's config: a group's records on each of its subjects bounded by the engine,
    refusing what would pass the bound (DiscardPolicy.NEW), never dropping history
    (hub_bounds.py admits leaves' records below it; no max_bytes, see there)."""
    from nats.js.api import DiscardPolicy, StreamConfig

    return StreamConfig(name=name, subjects=[subjects], discard=DiscardPolicy.NEW,
                        duplicate_window=duplicate_window, max_consumers=max_consumers,
                        discard_new_per_subject=True,
                        max_msgs_per_subject=limit(overrides, "fed_max_msgs_per_group"),
                        max_msg_size=limit(overrides, "in_max_msg_size"))


class InboundTrim:
    """Purges an inbound stream below the hub relay's applied position: now and then while
    records come in, and whenever the stream falls quiet (`settle`): a backlog that fills a
    bound must not wait for the next record to be purged, since the bound holds it off."""

    def __init__(self, stream: str) -> None:
        self.stream = stream
        self.trimmed, self.applied_to, self.at = 0, 0, time.monotonic()

    async def applied(self, js: Any, position: int) -> None:
        """`position`: the stream sequence applied last (and recorded in the ledger)."""
        self.applied_to = max(self.applied_to, position)
        if (self.applied_to - self.trimmed >= TRIM_RECORDS
                or time.monotonic() - self.at >= TRIM_SECONDS):
            await self.settle(js)

    def unpurged(self) -> bool:
        """Whether records applied are still in the stream (a purge is due once it is quiet)."""
        return self.applied_to > self.trimmed

    async def settle(self, js: Any) -> None:
        """Purge everything applied that is still in the stream (one request, if any)."""
        if self.applied_to > self.trimmed:
            await js.purge_stream(self.stream, seq=self.applied_to + 1)  # everything below it
            self.trimmed = self.applied_to
        self.at = time.monotonic()


__all__ = ["DEFAULTS", "InboundTrim", "federation_stream", "inbound_stream", "limit"]
