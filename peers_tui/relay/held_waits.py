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
The batch reads only the texts of those due (h-isolate: the whole of 20,000 held, read and
hashed twice, cost 0.15 s a batch), chosen through an index kept between batches (h-left17:
reading and walking every held hash still cost ~0.02 s a batch at 20,000; now ~0.001 s
whatever the number held); after a restart the index is read again from the ledger's
reasons (relay/held_retry.py), not by retrying every held record.
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
    a leaf's too since h-isolate), kept between batches as an index by group and wait
    (h-left17: the choice read and walked every held hash of the group at each batch)."""

    def __init__(self) -> None:
        self.waits: dict[str, tuple[Wait | None, list[Wait]]] = {}
        self.group_of: dict[str, str] = {}
        self.waiters: dict[str, dict[Wait, set[str]]] = {}  # group -> wait -> held hashes
        self.loose: dict[str, set[str]] = {}  # group -> held hashes whose wait is not known
        self.states: dict[str, set[Wait]] = {}  # group -> the state waits held
        self.providers: dict[str, dict[Wait, int]] = {}  # group -> wait -> held providing it
        self.open: dict[str, set[Wait]] = {}  # group -> waits no held record provides
        self.sizes: dict[str, int] = {}  # group -> held records known here
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
            self.forget(envelope.hash)
        if len(self.waits) + len(outcome.waiting) > KEPT:
            self.clear()
        for envelope, reason in outcome.waiting:
            self.add(envelope.hash, envelope.group_id, wait_of(envelope, reason),
                     provides(envelope))

    def clear(self) -> None:
        """Every wait forgotten: each group's next batch retries all it holds."""
        for index in (self.waits, self.group_of, self.waiters, self.loose, self.states,
                      self.providers, self.open, self.all_at, self.sizes):
            index.clear()

    def add(self, digest: str, group_id: str, wait: Wait | None, gives: list[Wait]) -> None:
        self.forget(digest)
        self.groups.add(group_id)
        self.waits[digest], self.group_of[digest] = (wait, gives), group_id
        self.sizes[group_id] = self.sizes.get(group_id, 0) + 1
        providers = self.providers.setdefault(group_id, {})
        opened = self.open.setdefault(group_id, set())
        for given in gives:
            providers[given] = providers.get(given, 0) + 1
            opened.discard(given)
        if wait is None:
            self.loose.setdefault(group_id, set()).add(digest)
            return
        self.waiters.setdefault(group_id, {}).setdefault(wait, set()).add(digest)
        if wait[0] == "state":
            self.states.setdefault(group_id, set()).add(wait)
        if wait not in providers:
            opened.add(wait)

    def forget(self, digest: str) -> None:
        known = self.waits.pop(digest, None)
        group_id = self.group_of.pop(digest, None)
        if known is None or group_id is None:
            return
        wait, gives = known
        self.sizes[group_id] = self.sizes.get(group_id, 1) - 1
        waiters = self.waiters.get(group_id, {})
        providers, opened = self.providers.get(group_id, {}), self.open.get(group_id, set())
        if wait is None:
            self.loose.get(group_id, set()).discard(digest)
        elif wait in waiters:
            waiters[wait].discard(digest)
            if not waiters[wait]:
                del waiters[wait]
                opened.discard(wait)
                self.states.get(group_id, set()).discard(wait)
        for given in gives:
            left = providers.get(given, 1) - 1
            if left > 0:
                providers[given] = left
                continue
            providers.pop(given, None)
            if given in waiters:
                opened.add(given)

    def count(self, group_id: str) -> int:
        """Held records of the group known here."""
        return self.sizes.get(group_id, 0)

    def choose(self, group_id: str, arriving: list[Envelope], head_seq: int, held_count: int,
               now: float | None = None, also: set[Wait] | None = None) -> set[str] | None:
        """The hashes of the held records of `group_id` to try with `arriving`; None: every
        one (the first look, or a retry of all due). Independent of how many are held: the
        index kept between batches is looked up by what the batch provides."""
        now = time.monotonic() if now is None else now
        last = self.all_at.get(group_id)
        if not held_count or last is None or now - last >= retry_all_after(held_count):
            self.all_at[group_id] = now
            return None
        ended: set[Wait] = {w for e in arriving for w in provides(e)}
        ended |= self.ended_here.pop(group_id, set())
        ended |= also or set()
        ended |= {w for w in self.states.get(group_id, ())
                  if isinstance(w[1], int) and w[1] <= head_seq}
        waiters = self.waiters.get(group_id, {})
        todo = list(self.loose.get(group_id, ()))
        for wait in ended:
            todo.extend(waiters.get(wait, ()))
        chosen: set[str] = set()
        while todo:  # ... and those whose wait a chosen one provides (a chain goes in together)
            digest = todo.pop()
            if digest not in chosen:
                chosen.add(digest)
                known = self.waits.get(digest)
                for wait in known[1] if known is not None else ():
                    todo.extend(waiters.get(wait, ()))
        return chosen

    def due(self, group_id: str, held: list[str], arriving: list[Envelope],
            head_seq: int, now: float | None = None) -> list[str]:
        """Of the held records of `group_id` (`held`: their hashes, in their held order,
        Ledger.held_hashes), those to try with `arriving`, in that order."""
        chosen = self.choose(group_id, arriving, head_seq, len(held), now)
        return held if chosen is None else [digest for digest in held if digest in chosen]

    def open_waits(self, group_id: str) -> list[Wait]:
        """What held records of the group wait for that no held record provides: what may
        have come into the file by another way (held_retry.met_in_file)."""
        return list(self.open.get(group_id, ()))


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
