"""Bounds on what the hub keeps for good: each group's records, each leaf's bytes, and the
free disk under the hub's JetStream store (issue 15: a member's modified client with a
valid token could make the hub store records without end, genuine ones included).

The inbound streams bound only a leaf's backlog (limits.py): what the hub applied stays in
its group file and in `PEERS_FED` for good. So the hub's relay now admits a leaf's message,
invite or genesis (membership changes are ordered and always taken) only while:

- its group holds fewer than `fed_max_msgs_per_group` records on that subject of
  `PEERS_FED` (`.r` messages, `.i` genesis and invites). The stream itself carries the same
  bound, `max_msgs_per_subject` with `discard_new_per_subject` and `DiscardPolicy.NEW`: the
  engine refuses what would pass it (also the hub's own records), never drops old ones;
- the leaf has had fewer than `leaf_max_bytes` of records stored here (counted as they are
  published into `PEERS_FED`, kept in the ledger's `leaf_totals`);
- the filesystem of the hub's store has more than `min_free_disk` free.

A record past a bound is refused (quarantined, counted in `relay status`, listed with the
bound's name in `relay rejected`) before it is applied: the hub's file and the federation
never hold what the other lacks, and nothing stored is dropped. The bound is noted in
`bounds_reached` (`relay status`: "at a bound: ...") until a record passes it again. Not a
`max_bytes` on `PEERS_FED`: nats-server reserves a stream's `max_bytes` against 75 % of the
disk free when the stream is made (measured: 64 GiB refused with 72 GB free, "insufficient
storage resources"), so a useful one would stop a hub whose disk filled from starting.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from peers_tui.relay.envelope import FED_PARTS, FED_STREAM, Envelope, fed_subject
from peers_tui.relay.limits import limit

LAST_SEQ = "fed_last"  # the ledger's position: the last sequence acknowledged in PEERS_FED

SCHEMA = """
CREATE TABLE IF NOT EXISTS leaf_totals (host TEXT PRIMARY KEY, records INTEGER NOT NULL,
    bytes INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS bounds_reached (bound TEXT PRIMARY KEY, reason TEXT NOT NULL,
    at INTEGER NOT NULL);
"""
# The one membership order: a leaf's changes are ordered (and bounded: change_refused) by
# the sequencer before they are written anywhere; what its stream carries of them is taken.
ALWAYS_TAKEN = ("member",)
BOUNDED_CHANGES = ("join", "handle")
FREE_DISK_EVERY = 1.0       # seconds a look at the free disk is trusted for
# What nats-server answers a publish past `max_msgs_per_subject` with `discard_new_per_subject`.
PER_SUBJECT_REFUSAL = "maximum messages per subject exceeded"


def size_text(count: float) -> str:
    """`812 B`, `12.5 kB`, `3.0 MB`, `16.0 GB`, `2.0 TB` (decimal, as df -H says)."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{int(count)} B"


def stored_size(envelope: Envelope) -> int:
    """What a record costs the hub, near enough: its text and signatures (the file and the
    stream each hold about this much)."""
    return len(envelope.text) + len(envelope.sig) + len(envelope.cosig or b"")


class HubBounds:
    """The hub relay's admission of leaves' records against the bounds (one ledger
    connection; the per-subject counts read from `PEERS_FED` once a group, then kept)."""

    def __init__(self, db: sqlite3.Connection, limits: dict[str, int] | None, hub_name: str,
                 store: Path) -> None:
        db.executescript(SCHEMA)
        self.db, self.hub_name, self.store = db, hub_name, store
        self.per_group = limit(limits, "fed_max_msgs_per_group")
        self.changes_per_group = limit(limits, "fed_max_changes_per_group")
        self.per_leaf = limit(limits, "leaf_max_bytes")
        self.min_free = limit(limits, "min_free_disk")
        self.counts: dict[str, int] = {}  # a group's subject in PEERS_FED -> records on it
        self.totals = {host: int(stored) for host, stored in
                       db.execute("SELECT host, bytes FROM leaf_totals")}
        self.unsaved: dict[str, list[int]] = {}  # host -> [records, bytes] not in the ledger yet
        self.reached = {bound for (bound,) in db.execute("SELECT bound FROM bounds_reached")}
        self.free, self.free_at = 0, 0.0
        row = db.execute("SELECT value FROM positions WHERE key = ?", (LAST_SEQ,)).fetchone()
        self.last_seq = self.saved_seq = int(row[0]) if row else 0

    async def admit(self, js: Any, group_id: str, envelopes: list[Envelope],
                    known: Callable[[str], bool]) -> tuple[list[Envelope], list[tuple[Envelope, str]]]:
        """The records that may be applied, and those refused with the bound they pass. A
        record the federation has already (a leaf sending it again) is never refused."""
        admitted: list[Envelope] = []
        refused: list[tuple[Envelope, str]] = []
        on_subject: dict[str, int] = {}  # what this batch adds to each subject
        from_host: dict[str, int] = {}   # ... and each host's bytes
        noted: set[str] = set()  # bounds this batch reached
        for envelope in envelopes:
            if envelope.table in ALWAYS_TAKEN:
                admitted.append(envelope)
                continue
            subject = fed_subject(group_id, envelope.table)
            if subject not in self.counts:
                self.counts[subject] = await self._stored_on(js, subject)
            host, size = envelope.origin, stored_size(envelope)
            found = self._bound_passed(group_id, envelope,
                                       self.counts[subject] + on_subject.get(subject, 0),
                                       self.totals.get(host, 0) + from_host.get(host, 0) + size)
            if found is not None and not known(envelope.hash):
                refused.append((envelope, found[1]))
                self._note(*found)
                noted.add(found[0])
                continue
            on_subject[subject] = on_subject.get(subject, 0) + 1
            from_host[host] = from_host.get(host, 0) + size
            admitted.append(envelope)
        if self.reached:  # bounds records passed again (one raised, a file gone, disk freed)
            self._clear({f"group {group_id}", "disk", *(f"leaf {host}" for host in from_host)}
                        - noted)
        return admitted, refused

    def change_refused(self, group_id: str, action: object, head_seq: int) -> str | None:
        """Why the hub's sequencer refuses a leaf's membership change (order_service.py),
        or None. Only joins and handle changes are bounded: what a holder of a many-use code
        or any member's modified client can repeat without end, each stored here for good.
        Removals, leaves, role changes and revocations always pass: a bound must never stop
        a group from containing someone (nor a member from leaving)."""
        if action not in BOUNDED_CHANGES or head_seq < self.changes_per_group:
            if self.reached:
                self._clear({f"changes {group_id}"})
            return None
        reason = (f"group {group_id} holds {self.changes_per_group:,} membership changes at "
                  "the hub already (limits.fed_max_changes_per_group in the hub's relay "
                  "config): no more joins or handle changes are taken; removals, leaves and "
                  "role changes still are")
        self._note(f"changes {group_id}", reason)
        return reason

    def _bound_passed(self, group_id: str, envelope: Envelope, on_subject: int,
                      leaf_bytes: int) -> tuple[str, str] | None:
        """(the bound's key, the reason) of the first bound this record would pass, or None."""
        host = envelope.origin
        if on_subject >= self.per_group:
            kind = "messages" if FED_PARTS.get(envelope.table) == "r" else "invites"
            return (f"group {group_id}",
                    f"group {group_id} holds {self.per_group:,} {kind} at the hub already "
                    "(limits.fed_max_msgs_per_group in the hub's relay config): no more are taken")
        if host != self.hub_name and leaf_bytes > self.per_leaf:
            return (f"leaf {host}",
                    f"the leaf {host} has had {size_text(self.totals.get(host, 0))} of records "
                    f"stored at the hub, the most a leaf may (limits.leaf_max_bytes, "
                    f"{size_text(self.per_leaf)}): no more of its records are taken")
        if host != self.hub_name and self._free_disk() < self.min_free:
            return ("disk", f"less than {size_text(self.min_free)} free on the hub's disk "
                    "(limits.min_free_disk in the hub's relay config): records from leaves "
                    "are not taken until there is more")
        return None

    def _free_disk(self) -> int:
        now = time.monotonic()
        if now - self.free_at >= FREE_DISK_EVERY:
            try:
                found = os.statvfs(self.store)
                self.free = found.f_bavail * found.f_frsize
            except OSError:  # the store is gone: the server's own errors say why
                self.free = self.min_free
            self.free_at = now
        return self.free

    async def _stored_on(self, js: Any, subject: str) -> int:
        info = await js.stream_info(FED_STREAM, subjects_filter=subject)
        return int((info.state.subjects or {}).get(subject, 0))

    def _note(self, bound: str, reason: str) -> None:
        if bound not in self.reached:
            self.reached.add(bound)
            self.db.execute("INSERT OR REPLACE INTO bounds_reached (bound, reason, at)"
                            " VALUES (?, ?, ?)", (bound, reason, int(time.time() * 1000)))

    def _clear(self, bounds: set[str]) -> None:
        for bound in bounds & self.reached:
            self.reached.discard(bound)
            self.db.execute("DELETE FROM bounds_reached WHERE bound = ?", (bound,))

    async def publish(self, sending: Awaitable[Any], chunk: list[Envelope]) -> None:
        """The hub's publishing of `chunk` (one group's) into `PEERS_FED`, counted once
        stored. The stream refuses a record past its own bound on the group's subject; a
        leaf's records were admitted against it before, so what it refuses was written by
        a user of the hub, and stays unsent in the hub's file: noted as a bound reached,
        so that `relay status` says why, until a leaf's record of that group is admitted
        again (`admit`, as for the leaves' own)."""
        try:
            acks = await sending
        except Exception as exc:
            if PER_SUBJECT_REFUSAL in str(getattr(exc, "description", "") or exc) and chunk:
                envelope = chunk[0]
                kind = "messages" if FED_PARTS.get(envelope.table) == "r" else "invites"
                self._note(f"group {envelope.group_id}",
                           f"group {envelope.group_id} holds {self.per_group:,} {kind} at the "
                           "hub already (limits.fed_max_msgs_per_group in the hub's relay "
                           "config): records written on this host wait unsent")
            raise
        self.published(chunk)
        # The stream's last sequence the hub was acknowledged at (republish.py: a stream
        # ending before it at a start was made anew), saved with the totals.
        self.last_seq = max([self.last_seq, *(int(getattr(a, "seq", 0) or 0) for a in acks)])

    def published(self, envelopes: list[Envelope]) -> None:
        """Records stored in `PEERS_FED` (by the hub's relay, its only writer of messages and
        invites): counted by subject and, in memory until `save`, by the host they came from."""
        for envelope in envelopes:
            subject = fed_subject(envelope.group_id, envelope.table)
            if subject in self.counts:
                self.counts[subject] += 1
            size = stored_size(envelope)
            self.totals[envelope.origin] = self.totals.get(envelope.origin, 0) + size
            pending = self.unsaved.setdefault(envelope.origin, [0, 0])
            pending[0] += 1
            pending[1] += size

    def save(self) -> None:
        """The hosts' totals into the ledger (with the status, every few seconds: a relay
        killed meanwhile forgets at most that much)."""
        rows = [(host, records, size) for host, (records, size) in self.unsaved.items()]
        self.unsaved = {}
        if self.last_seq > self.saved_seq:
            self.db.execute("INSERT OR REPLACE INTO positions (key, value) VALUES (?, ?)",
                            (LAST_SEQ, self.last_seq))
            self.saved_seq = self.last_seq
        if rows:
            self.db.executemany(
                "INSERT INTO leaf_totals (host, records, bytes) VALUES (?, ?, ?) ON CONFLICT"
                " (host) DO UPDATE SET records = records + excluded.records,"
                " bytes = bytes + excluded.bytes", rows)


def hub_report(db: sqlite3.Connection, hub_name: str) -> dict[str, Any]:
    """For `relay status --json`: bytes stored here for each leaf, and the bounds reached."""
    try:
        stored = {host: int(size) for host, size in db.execute(
            "SELECT host, bytes FROM leaf_totals WHERE host != ? ORDER BY host", (hub_name,))}
        reached = [reason for (reason,) in db.execute(
            "SELECT reason FROM bounds_reached ORDER BY at")]
    except sqlite3.OperationalError:  # a ledger from before: nothing counted yet
        return {"stored": {}, "at_bound": []}
    return {"stored": stored, "at_bound": reached}


__all__ = ["HubBounds", "hub_report", "size_text", "stored_size"]
