"""What each record held at the hub waits for, so that a batch retries only those whose wait
may have ended (docs/relay.md "Fourteenth attack pass").

The waiting records of a group were retried with every batch of it (intake._apply_group:
held + new, one apply). A member holding a leaf's credential kept 20,000 of them waiting (the
host's quota): a chain of edits whose first changes a message that never comes, each naming
the one before. Every later message of the group, from any host, then cost the hub's apply
~1 s of CPU on its event loop (measured: 0.10 s with 2,000 held against 0.005 s alone).

A record waits for one thing, named by its reason: the record below it in its author's chain
(a place), the message it changes (an id), or a membership state (the log's head reaching a
seq). It is due when that thing is in the batch, or in a held record due itself (a chain of
waiting records goes in together), or in a record the hub's own scan published since (a
user of the hub host writing), or, for a state, the file's log reached it. A record
whose wait is not known here (another reason, or held before this relay started) is always
due, and once every RETRY_ALL seconds (longer past SCALE held: `retry_all_after`) a group's
every held record is, whatever its wait: a wait read wrongly costs a delay, never a record.
The batch reads only the hashes of what is held, and the texts of those due (h-isolate: the
whole of 20,000 held, read and hashed twice, cost 0.15 s a batch).
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from peers_tui.relay.envelope import Envelope

RETRY_ALL = 30.0  # seconds between two retries of a group's every held record (up to SCALE)
SCALE = 2_000  # held records of a group past which that retry comes less often
KEPT = 100_000  # waits known at most (past it, forgotten: every held record due again)
_STATE = re.compile(r"membership (state|change) (\d+) not yet received")

Wait = tuple[str, Any, Any]  # ("place", author, aseq) | ("id", id, None) | ("state", seq, None)


def _data(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def provides(envelope: Envelope, data: dict[str, Any] | None = None) -> list[Wait]:
    """What a record's arrival ends the wait of: its place, and a message's id."""
    data = _data(envelope.text) if data is None else data
    found: list[Wait] = []
    if isinstance(data.get("aseq"), int):
        found.append(("place", data.get("a"), data["aseq"]))
    if envelope.table in ("msg", "evidence") and isinstance(data.get("id"), str):
        found.append(("id", data["id"], None))
    if envelope.table == "member" and isinstance(data.get("seq"), int):
        found.append(("state", data["seq"], None))
    return found


def wait_of(envelope: Envelope, reason: str) -> Wait | None:
    """What `envelope`, held with `reason`, waits for; None when not known here."""
    data = _data(envelope.text)
    if reason.startswith("an earlier record by this author is missing"):
        aseq = data.get("aseq")
        return ("place", data.get("a"), aseq - 1) if isinstance(aseq, int) else None
    if reason == "the message it changes has not arrived":
        target = data.get("target")
        return ("id", target, None) if isinstance(target, str) else None
    state = _STATE.fullmatch(reason)
    if state is None:
        return None
    if state.group(1) == "state":
        return ("state", int(state.group(2)), None)
    seq = data.get("seq")  # a change after a gap: the log must reach the one below it
    return ("state", seq - 1, None) if isinstance(seq, int) else None


class HeldWaits:
    """A relay's knowledge of what its held records wait for, by record hash (the hub's first;
    a leaf's too since h-isolate)."""

    def __init__(self) -> None:
        self.waits: dict[str, tuple[Wait | None, list[Wait]]] = {}
        self.all_at: dict[str, float] = {}  # group -> when its every held record was retried
        self.groups: set[str] = set()  # groups with records held since this relay started
        # What records written on this host (published by the hub's own scan, not arriving
        # through the intake) ended, by group, until the group's next batch looks.
        self.ended_here: dict[str, set[Wait]] = {}

    def written(self, group_id: str, envelopes: list[Envelope]) -> None:
        """The hub's own scan published these records of `group_id`."""
        if group_id in self.groups:
            ended = self.ended_here.setdefault(group_id, set())
            ended.update(w for e in envelopes for w in provides(e))
            if len(ended) > KEPT // 10:  # a group written to a lot: retry all at its next
                self.ended_here.pop(group_id)
                self.all_at.pop(group_id, None)

    def settle(self, outcome: Any) -> None:
        """After an apply (relay.apply.Outcome): what still waits, and for what."""
        for envelope in (*outcome.applied, *outcome.duplicates,
                         *(e for e, _ in outcome.refused)):
            self.waits.pop(envelope.hash, None)
        if len(self.waits) + len(outcome.waiting) > KEPT:
            self.waits.clear()
        for envelope, reason in outcome.waiting:
            self.waits[envelope.hash] = (wait_of(envelope, reason), provides(envelope))
            self.groups.add(envelope.group_id)

    def due(self, group_id: str, held: list[str], arriving: list[Envelope],
            head_seq: int, now: float | None = None) -> list[str]:
        """Of the held records of `group_id` (`held`: their hashes, in their held order,
        Ledger.held_hashes), those to try with `arriving`, in that order."""
        now = time.monotonic() if now is None else now
        last = self.all_at.get(group_id)
        if not held or last is None or now - last >= retry_all_after(len(held)):
            self.all_at[group_id] = now
            return held
        ended: set[Wait] = {w for e in arriving for w in provides(e)}
        ended |= self.ended_here.pop(group_id, set())
        # Those due by themselves, then, through an index of what each waits for, those whose
        # wait a due one provides (a chain of waiting records goes in together).
        waiters: dict[Wait, list[str]] = {}
        todo: list[str] = []
        for digest in held:
            known = self.waits.get(digest)
            wait = known[0] if known is not None else None
            if wait is None or wait in ended or (
                    wait[0] == "state" and isinstance(wait[1], int) and wait[1] <= head_seq):
                todo.append(digest)
            else:
                waiters.setdefault(wait, []).append(digest)
        chosen: set[str] = set()
        while todo:
            digest = todo.pop()
            if digest not in chosen:
                chosen.add(digest)
                known = self.waits.get(digest)
                for wait in known[1] if known is not None else ():
                    todo.extend(waiters.pop(wait, ()))
        return [digest for digest in held if digest in chosen]


def retry_all_after(count: int) -> float:
    """Seconds between two retries of a group's every held record, `count` of them: RETRY_ALL,
    longer in proportion past SCALE held (20,000: 0.85 s of CPU each time, docs/relay.md
    "Batches isolated (h-isolate)"), so that the safety net costs the same share of a core
    whatever the number held."""
    return RETRY_ALL * max(1.0, count / SCALE)


def head_seq(store: Any) -> int:
    """The membership log's head in a group's file (0 without one)."""
    if store is None:
        return 0
    with store.session():
        row = store.db.execute_sql("SELECT MAX(seq) FROM group_members").fetchone()
    return row[0] if row and isinstance(row[0], int) else 0


__all__ = ["HeldWaits", "RETRY_ALL", "SCALE", "head_seq", "provides", "retry_all_after", "wait_of"]
