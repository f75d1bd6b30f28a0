"""Held and isolated records retried without a batch of their group (docs/relay.md "Held and
isolated records (h-left17)"). Part of `runner.Relay`.

- A record refused because its own apply failed while the rest of its batch applied
  (isolate.py: a planted index or trigger in the group file, a bug) stays in the quarantine
  with that reason, and is applied again when the file may have been repaired: a moment after
  another process commits to the file (dropping the planted thing is one), at the relay's
  start, and when `peers relay refetch` runs (it pokes the running relay: SIGUSR1). Applied
  then, it is taken out of the quarantine (`relay rejected` lists it as restored) and the
  author's later records waiting for it go in with it.
- What the held records wait for is an index kept between batches (held_waits.HeldWaits);
  after a restart (or after another process wrote the ledger: `peers join`, `peers relay
  refetch`) it is read again from the ledger's reasons in a thread, not by applying them all.
  Then, and a moment after another process committed to the file, the waits no held record
  provides are looked up in the file: those met there (written by `peers relay refetch`, or
  another tool) are retried at once, not at the group's next record from another host.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peers_tui.core.errors import PeersError
from peers_tui.relay.ahead_retry import TAKEN, AheadRetry, due_now, refused_ahead
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.held_waits import HeldWaits, Wait, head_seq, provides, wait_of
from peers_tui.relay.isolate import REASON

if TYPE_CHECKING:
    from peers_tui.relay.apply import Outcome
    from peers_tui.relay.ledger import Ledger

SOON = 0.2  # a group is looked at this long after another process committed to it
SPREAD = 0.2  # at the start, one group's look this long after the one before
LOOKS = 500  # open waits looked up in the file at one look at most (the 30 s retry: the rest)
AGAIN = "applied here once its file took it again (the file repaired)"


def isolated(ledger: Ledger, group_id: str) -> list[Envelope]:
    """The group's records refused here because their own apply failed (isolate.REASON)."""
    return [Envelope(group_id, str(tbl), str(text), bytes(sig or b""),
                     bytes(cosig) if cosig else None, str(host))
            for tbl, text, sig, cosig, host in ledger.db.execute(
                "SELECT tbl, record, sig, cosig, host FROM quarantine WHERE group_id = ? AND"
                " substr(reason, 1, ?) = ? ORDER BY at", (group_id, len(REASON), REASON))]


def groups_to_look_at(ledger: Ledger) -> list[str]:
    """Groups with records held, or isolated, here."""
    return sorted({group for group, in ledger.db.execute(
        "SELECT DISTINCT group_id FROM waiting UNION SELECT DISTINCT group_id FROM quarantine"
        " WHERE substr(reason, 1, ?) = ?", (len(REASON), REASON))})


def read_waits(path: Path, group_id: str) -> list[tuple[str, Wait | None, list[Wait]]]:
    """Each held record of the group with its wait and what it provides, read from the
    ledger's reasons (its own connection: run in a thread)."""
    db = sqlite3.connect(path, timeout=5)
    try:
        rows = db.execute("SELECT hash, tbl, record, reason, host FROM waiting WHERE group_id = ?"
                          " ORDER BY at, rowid", (group_id,)).fetchall()
    finally:
        db.close()
    found = []
    for digest, table, text, reason, host in rows:
        envelope = Envelope(group_id, str(table), str(text), b"", None, str(host))
        found.append((str(digest), wait_of(envelope, str(reason)), provides(envelope)))
    return found


def met_in_file(store: Any, waits: list[Wait]) -> set[Wait]:
    """Of these waits, those the group's file meets (a place held by a row, a message id)."""
    met: set[Wait] = set()
    if store is None or not waits:
        return met
    with store.session():
        for wait in waits[:LOOKS]:
            kind, first, second = wait
            if kind == "place" and isinstance(first, str) and isinstance(second, int):
                sql = " UNION ALL ".join(f"SELECT 1 FROM {table} WHERE author = ? AND author_seq"
                                         " = ?" for table in ("message", "invite", "fork_evidence"))
                found = store.db.execute_sql(sql, (first, second) * 3).fetchone()
            elif kind == "id" and isinstance(first, str):
                found = store.db.execute_sql("SELECT 1 FROM message WHERE id = ?", (first,)).fetchone()
            else:
                continue
            if found is not None:
                met.add(wait)
    return met


def schema_of(store: Any) -> int | None:
    """The group file's schema version (a planted index or trigger dropped moves it)."""
    if store is None:
        return None
    with store.session():
        row = store.db.execute_sql("PRAGMA schema_version").fetchone()
    return int(row[0]) if row else None


def poke_running_relay(relay_dir: Path) -> bool:
    """Tell this host's running relay to look at what it holds now (`peers relay refetch`):
    SIGUSR1 to the pid of its status, if that process is a peers relay. Whether it was told."""
    try:
        pid = int(json.loads((relay_dir / "status.json").read_text())["pid"])
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if not any(part.endswith(b"peers") or b"peers_tui" in part for part in command) or (
                b"relay" not in command):
            return False
        os.kill(pid, signal.SIGUSR1)
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True


async def next_due(due: dict[str, float], wake: asyncio.Event) -> str | None:
    """The group due first in `due`, taken out once its time came; None after a wait (for
    its time, or for `wake`: no timer while nothing is due, an idle relay)."""
    wake.clear()
    if not due:
        await wake.wait()
        return None
    group_id, at = min(due.items(), key=lambda item: item[1])
    if at > time.monotonic():
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(wake.wait(), at - time.monotonic())
        return None
    del due[group_id]
    return group_id


class HeldRetry(AheadRetry):
    """Looking at held and isolated records outside their group's batches (mixed into
    runner.Relay)."""

    hub: Path
    ledger: Ledger
    held_waits: HeldWaits
    scanner: Any
    lock: asyncio.Lock
    _apply_group: Callable[..., Awaitable[Outcome | None]]

    def _retry_setup(self) -> None:
        self.retry_due: dict[str, float] = {}
        self.retry_wake = asyncio.Event()
        self.waits_loaded: set[str] = set()  # groups whose held records' waits are indexed
        self.ledger_version: int | None = None
        self.met_tried: dict[str, set[Wait]] = {}  # group -> waits met in the file and retried
        self.schema_at: dict[str, int | None] = {}  # group -> its file's schema at the last try
        self.retry_forced: set[str] = set()  # groups whose refused records are tried anyway
        self.ahead_groups: set[str] = set()  # the hub: leaves' records refused for its clock

    def retry_soon(self, group_id: str, delay: float = SOON) -> None:
        due = time.monotonic() + delay
        if due < self.retry_due.get(group_id, float("inf")):
            self.retry_due[group_id] = due
            self.retry_wake.set()

    def retry_everything(self, spread: float = 0.0) -> None:
        """Every group with records held or isolated here looked at (the start: spread)."""
        self.waits_loaded.clear()  # (another process may have held records: read again)
        for n, group_id in enumerate(groups_to_look_at(self.ledger)):
            self.retry_forced.add(group_id)
            self.retry_soon(group_id, n * spread)
        self.ahead_everything()  # the hub (ahead_retry.py)

    def listen_for_pokes(self) -> None:
        self.retry_loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, self.retry_everything)

    async def _retry_once(self) -> None:
        group_id = await next_due(self.retry_due, self.retry_wake)
        if group_id is not None:
            await self._retry_group(group_id)

    async def _retry_group(self, group_id: str) -> None:
        """Apply the group's isolated records again, and its held records whose waits the file
        meets now; an isolated record that goes in is restored (`relay rejected`)."""
        if not (self.hub / f"{group_id}.db").is_file():
            return
        forced = group_id in self.retry_forced
        self.retry_forced.discard(group_id)
        async with self.lock:
            again = isolated(self.ledger, group_id)
            try:
                met = await self._met_here(group_id)
                # Refused records are tried again at a start, at a poke, and when the file's
                # schema moved (a planted index or trigger dropped): not at every commit.
                schema = schema_of(self._store_of(group_id)) if again else None
            except (PeersError, sqlite3.Error):
                met, schema = set(), None
            if again and not forced and self.schema_at.get(group_id) == schema:
                again = []
            self.schema_at[group_id] = schema
            ahead: list[Envelope] = []
            if group_id in self.ahead_groups:
                ahead, later = due_now(refused_ahead(self.ledger.db, group_id, self.config.leaves))
                if later is None:
                    self.ahead_groups.discard(group_id)
                else:
                    self.retry_soon(group_id, later)
            # A wait the file seemed to meet and whose records still wait (a row planted at
            # the place they wait for) is not retried at every commit: the 30 s retry has it.
            tried = self.met_tried.setdefault(group_id, set())
            met, tried_now = met - tried, met
            tried |= tried_now
            if not again and not met and not ahead:
                return
            outcome = await self._apply_group(group_id, again + ahead, also=met, retrying=True)
            tried &= self.held_waits.open.get(group_id, set())  # (those still waited for)
            if outcome is None or not (again or ahead):
                return
            went = {e.hash for e in outcome.applied + outcome.duplicates}
            if went & {e.hash for e in ahead}:
                self.ledger.restore(group_id, sorted(went & {e.hash for e in ahead}), TAKEN)
            back = went & {e.hash for e in again}
            if back:
                self.ledger.restore(group_id, sorted(back), AGAIN)
                print(f"peers relay: group {group_id}: {len(back)} records refused because "
                      "their apply failed here went in now", file=sys.stderr, flush=True)

    async def _met_here(self, group_id: str, store: Any = None) -> set[Wait]:
        """The waits of the group's held records that its file meets now."""
        await self._load_waits(group_id)
        opened = self.held_waits.open_waits(group_id)
        if not opened:
            return set()
        return met_in_file(self._store_of(group_id) if store is None else store, opened)

    def _store_of(self, group_id: str) -> Any:
        from peers_tui.relay import kept_stores

        return kept_stores.kept_or_reopened(self.scanner, self.hub / f"{group_id}.db", group_id)

    async def _load_waits(self, group_id: str) -> None:
        """The held records' waits of the group indexed, read from the ledger in a thread when
        not yet (after a start, or when another process wrote the ledger since)."""
        version = self.ledger.db.execute("PRAGMA data_version").fetchone()[0]
        if version != self.ledger_version:
            self.ledger_version = version
            self.waits_loaded.clear()
        if group_id in self.waits_loaded:
            return
        found = await asyncio.to_thread(read_waits, self.ledger.path, group_id)
        for digest in [d for d, g in self.held_waits.group_of.items() if g == group_id]:
            self.held_waits.forget(digest)
        for n, (digest, wait, gives) in enumerate(found):
            self.held_waits.add(digest, group_id, wait, gives)
            if n % 2000 == 1999:
                await asyncio.sleep(0)
        self.held_waits.all_at.setdefault(group_id, time.monotonic())  # not all of them at once
        self.waits_loaded.add(group_id)

    async def _held_for(self, group_id: str, envelopes: list[Envelope], store: Any,
                        also: set[Wait]) -> tuple[list[Envelope], list[Envelope]]:
        """(held records to try with this batch, the batch without those held already)."""
        digests = [e.hash for e in envelopes]
        # Nothing held at all (every live message): neither lookup below can find a row.
        idle = self.ledger.db.execute("SELECT 1 FROM waiting LIMIT 1").fetchone() is None
        already = {digest for digest, in self.ledger.db.execute(
            "SELECT hash FROM waiting WHERE hash IN (SELECT value FROM json_each(?))",
            (json.dumps(digests),))} if digests and not idle else set()
        once: list[Envelope] = []
        for envelope in envelopes:  # a record delivered again while it waits is judged once
            if envelope.hash not in already:
                already.add(envelope.hash)
                once.append(envelope)
        if idle or self.ledger.db.execute("SELECT 1 FROM waiting WHERE group_id = ? LIMIT 1",
                                          (group_id,)).fetchone() is None:
            return [], once
        await self._load_waits(group_id)
        chosen = self.held_waits.choose(group_id, once, head_seq(store),
                                        self.held_waits.count(group_id), also=also)
        if chosen is None:  # every one (the safety net): the index follows the ledger
            held = self.ledger.held(group_id)
            there = {e.hash for e in held}
            stale = [d for d, g in self.held_waits.group_of.items() if g == group_id
                     and d not in there]
        else:
            held = self.ledger.held(group_id, sorted(chosen)) if chosen else []
            stale = sorted(chosen - {e.hash for e in held})
        for digest in stale:  # held no longer (refused at the quota, taken back elsewhere)
            self.held_waits.forget(digest)
        return held, once

    def _hold(self, pairs: list[tuple[Envelope, str]]) -> None:
        """Records kept waiting for a reason other than a rule's (their wait not known: tried
        with every batch of their group)."""
        self.ledger.hold_all(pairs)
        for envelope, _ in pairs:
            self.held_waits.add(envelope.hash, envelope.group_id, None, provides(envelope))


__all__ = ["AGAIN", "HeldRetry", "isolated", "met_in_file", "next_due", "poke_running_relay", "schema_of",
           "read_waits"]
