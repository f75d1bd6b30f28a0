"""What applying a batch of another host's message records came to (relay/apply_batch.py):
each record applied, a duplicate, waiting for what it needs, or refused with its reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from peers_tui.relay.envelope import Envelope


@dataclass
class BatchOutcome:
    applied: list[Envelope] = field(default_factory=list)
    duplicates: list[Envelope] = field(default_factory=list)
    waiting: list[tuple[Envelope, str]] = field(default_factory=list)
    refused: list[tuple[Envelope, str]] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)
    yielded: dict[str, Any] = field(default_factory=dict)  # a leaf's own rows yielding, by id
    rescan: bool = False  # this host's records were set aside: its scan ships them (hub_holds_id)
