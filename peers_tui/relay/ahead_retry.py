"""A leaf's records the hub refused only for its clock, taken once its clock allows them (docs/
relay.md, "A clock far ahead, second round (h-aheadclock)").

A record signed more than a day past the hub's clock (message_rules.AHEAD_OF_HUB) is refused
and told to its leaf (hub_refusals.py). Nothing sent it again, so its author's later records,
which name it, waited at the hub for good, also once the hub's clock allowed them: her chain
was stopped in that group for ever. The refusal is of the hub's clock at that moment, not
of the record, whose signed data every host judges as before: once the record is at most a
day past the hub's clock it is what the hub would take from the leaf now, so it is applied
from the quarantine then, as any arriving record (every check of the intake; refused again
for any other reason), and the records waiting for it go in with it. Nothing is carried that
a member could not have had carried by signing it a day ahead in the first place. A record
more than `KEEP_AHEAD_MS` past the hub's clock is not looked at again (a client years
ahead); the quarantine's bound per host holds as for every refusal.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from typing import Any

from peers_tui.core.encoding import now_ms
from peers_tui.core.message_rules import AHEAD_OF_HUB, FOLLOW_AHEAD_MS
from peers_tui.relay.envelope import Envelope

TAKEN = "taken once the hub's clock allowed it"
KEEP_AHEAD_MS = 7 * FOLLOW_AHEAD_MS  # refused for a week ahead or more: not looked at again


def _signed_at(text: str) -> int | None:
    try:
        value = json.loads(text).get("t")
    except (ValueError, AttributeError, RecursionError):
        return None
    return value if type(value) is int else None


def refused_ahead(db: object, group_id: str, leaves: Iterable[str]) -> list[tuple[int, Envelope]]:
    """The group's records from leaves refused only for the hub's clock, with their signed
    times, oldest refusal first."""
    hosts = set(leaves)
    found = []
    for tbl, text, sig, cosig, host in db.execute(  # type: ignore[attr-defined]
            "SELECT tbl, record, sig, cosig, host FROM quarantine WHERE group_id = ? AND"
            " reason = ? ORDER BY at", (group_id, AHEAD_OF_HUB)):
        signed = _signed_at(str(text))
        if signed is not None and str(host) in hosts:
            found.append((signed, Envelope(group_id, str(tbl), str(text), bytes(sig or b""),
                                           bytes(cosig) if cosig else None, str(host))))
    return found


def due_now(found: list[tuple[int, Envelope]]) -> tuple[list[Envelope], float | None]:
    """(the records the hub's clock allows now, seconds until the next one is allowed)."""
    now = now_ms()
    due = [envelope for signed, envelope in found if signed <= now + FOLLOW_AHEAD_MS]
    later = [signed - FOLLOW_AHEAD_MS - now for signed, _ in found
             if now + FOLLOW_AHEAD_MS < signed <= now + KEEP_AHEAD_MS]
    return due, (min(later) / 1000 + 0.5 if later else None)


def wait_for_clock(envelope: Envelope, reason: str) -> float | None:
    """Seconds until the hub's clock allows a record it refuses now for it, if ever soon."""
    if reason != AHEAD_OF_HUB:
        return None
    signed, now = _signed_at(envelope.text), now_ms()
    if signed is None or signed > now + KEEP_AHEAD_MS:
        return None
    return max(0.0, (signed - FOLLOW_AHEAD_MS - now) / 1000) + 0.5


class AheadRetry:
    """The hub's part of relay/held_retry.py for these records (mixed into runner.Relay)."""

    config: Any
    ledger: Any
    ahead_groups: set[str]
    retry_loop: asyncio.AbstractEventLoop | None = None

    def retry_soon(self, group_id: str, delay: float) -> None:  # held_retry.HeldRetry
        raise NotImplementedError

    def ahead_everything(self) -> None:
        """At the start and at a poke: every group with such refusals looked at."""
        if self.config.role == "hub":
            for group_id, in self.ledger.db.execute("SELECT DISTINCT group_id FROM quarantine"
                                                    " WHERE reason = ?", (AHEAD_OF_HUB,)):
                self.ahead_groups.add(str(group_id))
                self.retry_soon(str(group_id), 0.2)

    def refused_hook(self, tell: Callable[[Envelope, str], None] | None) -> Callable[..., None]:
        """Ledger.on_refused: `tell` (hub_refusals.TellOrigin), and a leaf's record refused
        for the hub's clock looked at again when the clock allows it. (Called from the apply's
        thread too: the retry is scheduled on the relay's loop.)"""
        def refused(envelope: Envelope, reason: str) -> None:
            if tell is not None:
                tell(envelope, reason)
            delay = wait_for_clock(envelope, reason)
            if (delay is not None and self.retry_loop is not None
                    and envelope.origin in self.config.leaves):
                self.retry_loop.call_soon_threadsafe(self._ahead_soon, envelope.group_id, delay)
        return refused

    def _ahead_soon(self, group_id: str, delay: float) -> None:
        self.ahead_groups.add(group_id)
        self.retry_soon(group_id, delay)


__all__ = ["AheadRetry", "KEEP_AHEAD_MS", "TAKEN", "due_now", "refused_ahead", "wait_for_clock"]
