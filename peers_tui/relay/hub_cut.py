"""The hub's half of a cut made on a leaf whose join's walk is under way (core.change_cut;
docs/relay.md, "Removal during a join's walk, second round").

Such a leaf holds the member's history newest first, or none of it yet, so it cannot walk
their chain up from its first record. It asks the hub where the chain stands (`CUT_OF`,
answered by `answer_cut`): the hub's file is whole, and the record it names is the one a
removal made on the hub would name. The leaf signs its change with that cut and marks the
proposal (`HELD_CUT`): the hub orders it only if the cut names a record on the member's chain
as its file holds it (`cut_not_held`). A record the member wrote straight into the leaf's
file above a gap never reached the hub's file (its intake holds a record above a gap until
its predecessor comes), so it cannot become the cut. Every host then judges the change from
its signed cut alone, as before.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from peers_tui.core.chain_rules import own_record
from peers_tui.core.chains import seen_head_record
from peers_tui.core.encoding import record_hash
from peers_tui.core.group_store import GroupStore
from peers_tui.core.identity import is_user_id
from peers_tui.core.membership import parse_cut
from peers_tui.core.membership_log import CUT_ACTIONS
from peers_tui.core.models import ForkEvidence, Invite, Message, tuples
from peers_tui.core.raw import text_of
from peers_tui.core.records import RecordError

CUT_OF = "Peers-Cut-Of"  # a leaf's question: where the hub cuts this member's chain
HELD_CUT = "Peers-Cut-Held"  # a leaf's change whose cut the hub must hold

# The hub's time a leaf's cut questions and checks may take: each walks the member's whole
# chain on the hub's event loop under its relay lock (0.65 s of CPU for a member with
# 100,000 records), so a leaf asking in a loop held the federation's hub still (thirteenth
# attack pass). A host may spend BURST seconds at once (a change asks once and is checked
# once), then a tenth of the time that passes.
BURST, SHARE = 2.0, 0.1


class CutBudget:
    """The hub's time left to each leaf host for its cut questions and checks (or, named
    otherwise, for another kind of its requests: order_service.py)."""

    def __init__(self, what: str = "cut questions",
                 setting: str = "PEERS_RELAY_CUT_BURST") -> None:
        self.what = what
        try:
            self.burst = float(os.environ.get(setting, BURST))  # tests
        except ValueError:
            self.burst = BURST
        self.left: dict[str, tuple[float, float]] = {}  # host -> (seconds left, when)

    def refusal(self, host: str) -> str | None:
        """Why `host`'s question is not answered now (it used its time), or None."""
        left = self._left(host)
        if left > 0:
            return None
        return (f"the hub has spent its time for this host's {self.what} just now; try "
                f"again in {-left / SHARE + 1:.0f} s")

    def spent(self, host: str, seconds: float) -> None:
        self.left[host] = (self._left(host) - seconds, time.monotonic())

    def _left(self, host: str) -> float:
        left, at = self.left.get(host, (self.burst, time.monotonic()))
        return min(self.burst, left + (time.monotonic() - at) * SHARE)


def head_at_hub(store: GroupStore, member: str) -> tuple[int, str, int] | None:
    """(place, hash, signed time) of the newest record of `member`'s chain walked up from
    its first in the hub's file (what a change made on the hub cuts at), or None."""
    roster = store.current_roster()
    with store.session():
        found = seen_head_record(member, store.group_id, roster)
    return None if found is None else (found[0], found[1].hash, found[1].created_at)


def answer_cut(store: GroupStore, member: str) -> dict[str, Any]:
    """The hub's answer to a leaf's `CUT_OF` question."""
    if not is_user_id(member):
        return {"ok": False, "reason": "not a member id"}
    head = head_at_hub(store, member)
    return {"ok": True, "cut": [head[0], head[1]] if head else [0, ""],
            "t": head[2] if head else None}


def cut_not_held(store: GroupStore, text: str) -> str | None:
    """Why the hub does not order this change marked `HELD_CUT` (its cut names a record of
    the member's the hub does not hold on their chain), or None."""
    try:
        data = json.loads(text)
        member = data.get("member")
        aseq, digest = parse_cut(data.get("cut"))
    except (ValueError, AttributeError, RecordError):
        return None  # not a cut: apply_records judges it, and refuses what is malformed
    if data.get("action") not in CUT_ACTIONS or not isinstance(member, str) or aseq == 0:
        return None  # at nothing: voids more, never less, than the hub's cut
    head = head_at_hub(store, member)
    if head is not None and aseq <= head[0] and _holds(store, member, aseq, digest):
        return None
    name = store.current_roster().label_of(member)  # beside a look-alike, with its fingerprint
    return (f"its cut names a record of {name}'s (place {aseq}) that the hub does not hold on "
            f"their chain (the hub's newest of theirs is at place {head[0] if head else 0}); "
            "nothing was changed")


def _holds(store: GroupStore, member: str, aseq: int, digest: str) -> bool:
    """Whether the hub's file holds `member`'s own record `digest` at place `aseq`."""
    with store.session():
        for table in (Message, Invite, ForkEvidence):
            rows = table.select(table.record, table.sig).where(
                (table.author == member) & (table.author_seq == aseq))
            for stored, sig in tuples(rows):
                text = text_of(stored) if stored is not None else None
                if isinstance(text, str) and record_hash(text) == digest \
                        and own_record(member, aseq, text, sig, store.group_id) is not None:
                    return True
    return False


__all__ = ["CUT_OF", "HELD_CUT", "CutBudget", "answer_cut", "cut_not_held", "head_at_hub"]
