"""What applying other hosts' records came to: each record applied, a duplicate, waiting for
what it needs, or refused with its reason. `Applied` is shared by a whole apply
(relay/apply.Outcome) and one batch of message records (`BatchOutcome`, relay/apply_batch.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from peers_tui.relay.envelope import Envelope


@dataclass
class Applied:
    applied: list[Envelope] = field(default_factory=list)
    duplicates: list[Envelope] = field(default_factory=list)
    waiting: list[tuple[Envelope, str]] = field(default_factory=list)
    refused: list[tuple[Envelope, str]] = field(default_factory=list)
    rescan: bool = False  # this host's records were set aside: its scan ships them (hub_holds_id)
    # author -> the host their last record applied came from (relay/origins.py)
    origins: dict[str, str] = field(default_factory=dict)

    def count_in(self, other: Applied) -> None:
        """Adds `other`'s applied, duplicate and refused records (what waits is the caller's)."""
        self.applied += other.applied
        self.duplicates += other.duplicates
        self.refused += other.refused
        self.rescan |= other.rescan
        self.origins.update(other.origins)


@dataclass
class BatchOutcome(Applied):
    touched: set[str] = field(default_factory=set)
    yielded: dict[str, Any] = field(default_factory=dict)  # a leaf's own rows yielding, by id
