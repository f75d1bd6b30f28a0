"""The relay's own SQLite file `<hub>/.relay/relay.db`: positions, known records, quarantine.

- `positions`: the last stream sequence applied from each stream, and per group the last
  local row already published; the relay restarts from here (no durable consumers, whose
  ack-all lost records when measured: MULTIHOST.md).
- `known`: hashes of records the federation already has (published by us or applied from
  another host), so the publisher never sends a record back where it came from. A leaf
  keeps a message or invite it applied here only while a scan of its file may still meet it
  (intake.py: not once the scanner's positions are past it), so a backfill of a million
  records does not leave a million random keys to insert into this index.
- `quarantine`: records refused, with the reason and the host they came from, once per
  group file they were refused in (quarantine.py: a ledger keyed by hash and host is moved
  over when opened).
- `restored`: refusals taken back since, their records genuine in this host's file now
  (`peers relay refetch` put them back): `relay rejected` lists them apart, uncounted.
- `waiting`: records held back because something they depend on has not arrived yet.
- `pins`: a print of the row at each scanner position, and at some earlier ones
  (position_pins.py): rows deleted and written again at or below a position are found.
- `origins`: per group and author, the host the last record of theirs applied here came
  from (origins.py): where a record a cut voids later is listed.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from peers_tui.relay import hub_refusals, origins, quarantine as bounded
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.limits import limit

SCHEMA = """
CREATE TABLE IF NOT EXISTS positions (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS known (hash TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS quarantine (
    hash TEXT NOT NULL, host TEXT NOT NULL, group_id TEXT NOT NULL, tbl TEXT NOT NULL,
    reason TEXT NOT NULL, at INTEGER NOT NULL, record TEXT NOT NULL, sig BLOB, cosig BLOB,
    PRIMARY KEY (hash, host, group_id));
CREATE TABLE IF NOT EXISTS waiting (
    hash TEXT PRIMARY KEY, host TEXT NOT NULL, group_id TEXT NOT NULL, tbl TEXT NOT NULL,
    reason TEXT NOT NULL, at INTEGER NOT NULL, record TEXT NOT NULL, sig BLOB, cosig BLOB);
CREATE INDEX IF NOT EXISTS waiting_group ON waiting (group_id, at);
CREATE TABLE IF NOT EXISTS pins (
    key TEXT NOT NULL, at INTEGER NOT NULL, print INTEGER NOT NULL, PRIMARY KEY (key, at));
"""
THIN_EVERY = 32  # pins added to a key before its older ones are thinned


class Ledger:
    """relay.db, used by one relay process (and read by `peers relay status/rejected`)."""

    def __init__(self, path: Path, limits: dict[str, int] | None = None) -> None:
        # Both tables are bounded per host, every refusal counted (quarantine.py, limits.py).
        self.path = path
        self.quarantine_cap = limit(limits, "quarantine_per_host")
        self.waiting_cap = limit(limits, "waiting_per_host")
        self.db = sqlite3.connect(path, isolation_level=None, timeout=5)
        self.db.execute("PRAGMA journal_mode=wal")
        # No fsync per commit (several a delivery): after a power cut the positions may step
        # back, and records are then sent or applied again, which is harmless (duplicates).
        self.db.execute("PRAGMA synchronous=normal")
        self.db.executescript(SCHEMA)
        bounded.prepare(self.db)
        hub_refusals.prepare(self.db)  # a leaf's records the hub refused (hub_refusals.py)
        origins.prepare(self.db, path.parent.parent)  # where authors' records came from
        # The hub: each refusal told to the leaf the record came from (hub_refusals.TellOrigin)
        self.on_refused: Callable[[Envelope, str], None] | None = None
        # A leaf: each record taken out by a cut, told to its author if written here (below)
        self.on_taken_out: Callable[[Envelope, str], None] | None = None
        self.pins_added: dict[str, int] = {}

    def close(self) -> None:
        self.db.close()

    def position(self, key: str) -> int:
        row = self.db.execute("SELECT value FROM positions WHERE key = ?", (key,)).fetchone()
        return int(row[0]) if row else 0

    def set_position(self, key: str, value: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO positions (key, value) VALUES (?, ?)", (key, value))

    def pin(self, key: str, at: int, print_: int) -> None:
        """The row at position `at` of `key` has this print (position_pins.py). Pins above it
        go (their rows are past the position); older ones are thinned now and then to the
        lowest in each power-of-two distance below `at` (so a pin within four times any
        depth of deletion, when as many positions were pinned)."""
        with self.batch():
            self.db.execute("DELETE FROM pins WHERE key = ? AND at >= ?", (key, at))
            self.db.execute("INSERT INTO pins (key, at, print) VALUES (?, ?, ?)", (key, at, print_))
            self.pins_added[key] = self.pins_added.get(key, 0) + 1
            if self.pins_added[key] < THIN_EVERY:
                return
            self.pins_added[key] = 0
            kept: dict[int, int] = {}  # the oldest a distance: kept while the position grows
            for (older,) in self.db.execute("SELECT at FROM pins WHERE key = ? ORDER BY at",
                                            (key,)).fetchall():
                kept.setdefault((at - older).bit_length(), older)
            self.db.execute(f"DELETE FROM pins WHERE key = ? AND at NOT IN "
                            f"({', '.join('?' * len(kept))})", (key, *kept.values()))

    def pin_at(self, key: str, at: int) -> int | None:
        """The print pinned for the row at `at` of this position, None if none."""
        row = self.db.execute("SELECT print FROM pins WHERE key = ? AND at = ?", (key, at)).fetchone()
        return None if row is None else int(row[0])

    def pinned(self, key: str) -> dict[int, int]:
        """The pins of a position: rowid -> print."""
        return dict(self.db.execute("SELECT at, print FROM pins WHERE key = ?", (key,)).fetchall())

    def unpin_above(self, key: str, at: int) -> None:
        self.db.execute("DELETE FROM pins WHERE key = ? AND at > ?", (key, at))

    def is_known(self, record_hash: str) -> bool:
        return self.db.execute("SELECT 1 FROM known WHERE hash = ?", (record_hash,)).fetchone() is not None

    def add_known(self, hashes: Iterable[str]) -> None:
        rows = [(h,) for h in hashes]
        if not rows:  # a leaf's delivered message (intake.py): no empty transaction
            return
        with self.batch():
            self.db.executemany("INSERT OR IGNORE INTO known (hash) VALUES (?)", rows)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """The writes inside as one transaction (one inside another joins it): each write
        alone is a commit of its own, three or four of them after every delivered message."""
        if self.db.in_transaction:
            yield
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def quarantine(self, envelope: Envelope, reason: str) -> None:
        bounded.quarantine(self.db, envelope, reason, self.quarantine_cap)
        if self.on_refused is not None:
            self.on_refused(envelope, reason)

    def quarantine_taken_out(self, envelope: Envelope, reason: str) -> None:
        """A record applied here that a cut made void, taken out of the file (relay.voided):
        kept as a refusal is, under its author's host, but not told to it (hub_refusals).
        `on_taken_out` (a leaf) tells its author when it was written on this host: the hub
        never refuses what this relay took out before sending it (twenty-ninth pass).
        One refused here already in this group (a row written into the file, refused by the
        scan and left there) is that refusal, not a second one under another host."""
        if self.db.execute("SELECT 1 FROM quarantine WHERE hash = ? AND group_id = ?",
                           (envelope.hash, envelope.group_id)).fetchone() is not None:
            return
        self.db.execute("INSERT OR IGNORE INTO taken_out (hash, group_id) VALUES (?, ?)",
                        (envelope.hash, envelope.group_id))
        bounded.quarantine(self.db, envelope, reason, self.quarantine_cap)
        if self.on_taken_out is not None:
            self.on_taken_out(envelope, reason)

    def keep_origins(self) -> None:
        """The hosts records came from, noted by the applies since the last call (origins.py)."""
        origins.save(self.db, self.path.parent.parent)

    def restore(self, group_id: str, hashes: list[str], how: str) -> int:
        return bounded.restore(self.db, group_id, set(hashes), how) if hashes else 0

    def restore_applied(self, group_id: str, applied: list[Envelope]) -> int:
        """Records applied into the file: any refusal of them here no longer holds (one look
        at the quarantine's group index when the group has none, the common case)."""
        if not applied or not bounded.any_refused(self.db, group_id):  # no hash to compute
            return 0
        return self.restore(group_id, [e.hash for e in applied], bounded.APPLIED_SINCE)

    def refused_from(self, host: str, group_id: str) -> bounded.RefusedHere:
        """Whether a record (by its hash) that `host` sent or wrote into the file of
        `group_id` was refused here and kept in the quarantine, or restored since
        (quarantine.RefusedHere). Only that group's: a genuine record copied into another
        group's file is refused there ("record belongs to another group") and stays its
        author's in its own (twelfth acceptance pass)."""
        return bounded.RefusedHere(self.db, host, group_id)

    def rejected_counts(self) -> dict[str, int]:
        return bounded.rejected_counts(self.db)

    def rejected(self) -> list[dict[str, object]]:
        from peers_tui.relay.rejected_listing import described

        rows = self.db.execute("SELECT host, group_id, tbl, reason, at, hash, record"
                               " FROM quarantine ORDER BY at, hash")
        return [{"host": host, "group": group, "kind": table, "reason": reason, "at": at,
                 "hash": digest, **described(text)}
                for host, group, table, reason, at, digest, text in rows]

    def restored(self) -> list[dict[str, object]]:
        """Refusals taken back since, their records now genuine here (quarantine.restore)."""
        from peers_tui.relay.rejected_listing import described

        rows = self.db.execute("SELECT host, group_id, tbl, reason, at, hash, record,"
                               " restored_at, how FROM restored ORDER BY restored_at, hash")
        return [{"host": host, "group": group, "kind": table, "reason": reason, "at": at,
                 "hash": digest, **described(text),
                 "restored": {"at": when, "how": how}}
                for host, group, table, reason, at, digest, text, when, how in rows]

    def hold(self, envelope: Envelope, reason: str) -> None:
        self.hold_all([(envelope, reason)])

    def hold_all(self, pairs: Iterable[tuple[Envelope, str]]) -> None:
        """Keep records to apply later, in one transaction, each host's waiting records
        counted once (a count a record made holding a group's history quadratic: minutes
        for 30,000, docs/relay.md "Ninth acceptance pass")."""
        counts: dict[str, int] = {}
        with self.batch():
            for envelope, reason in pairs:
                if envelope.origin not in counts:
                    counts[envelope.origin] = bounded.waiting_from(self.db, envelope.origin)
                if not bounded.is_held(self.db, envelope):
                    if counts[envelope.origin] >= self.waiting_cap:
                        self.quarantine(envelope, f"{self.waiting_cap:,} records from this host "
                                                  f"wait already; this one waited because {reason}")
                        continue
                    counts[envelope.origin] += 1
                self.db.execute(
                    "INSERT OR REPLACE INTO waiting (hash, host, group_id, tbl, reason, at, record,"
                    " sig, cosig) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (envelope.hash, envelope.origin, envelope.group_id, envelope.table,
                     reason[:500], int(time.time() * 1000), envelope.text, envelope.sig,
                     envelope.cosig))

    def release(self, hashes: Iterable[str]) -> None:
        if self.db.execute("SELECT 1 FROM waiting LIMIT 1").fetchone() is None:
            return  # nothing waits (the usual case): not a DELETE per record of a backfill page
        self.db.executemany("DELETE FROM waiting WHERE hash = ?", ((h,) for h in hashes))

    def held_hashes(self, group_id: str) -> list[str]:
        """The hashes of the records of `group_id` held here, in their held order (what the
        hub's batch chooses from, relay/held_waits.py: not every record's text and hash)."""
        return [digest for digest, in self.db.execute(
            "SELECT hash FROM waiting WHERE group_id = ? ORDER BY at, rowid", (group_id,))]

    def held(self, group_id: str, only: list[str] | None = None) -> list[Envelope]:
        """The records of `group_id` held here, in their held order; `only` those hashes (a
        few looked up by hash, many read with the group's and picked)."""
        columns = "hash, group_id, tbl, record, sig, cosig, host"
        if only is None or len(only) > 500:
            rows = self.db.execute(f"SELECT {columns} FROM waiting WHERE group_id = ?"
                                   " ORDER BY at, rowid", (group_id,))
        else:
            rows = self.db.execute(f"SELECT {columns} FROM waiting WHERE hash IN"
                                   " (SELECT value FROM json_each(?)) ORDER BY at, rowid",
                                   (json.dumps(only),))
        wanted = None if only is None else set(only)
        return [Envelope(group, table, text, bytes(sig or b""), bytes(cosig) if cosig else None, host)
                for digest, group, table, text, sig, cosig, host in rows
                if wanted is None or digest in wanted]

    def waiting_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM waiting").fetchone()[0])
