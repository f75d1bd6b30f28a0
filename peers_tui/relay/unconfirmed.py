"""A leaf's records sent to the hub and not yet known to be taken there (docs/relay.md, "Lost
inbound records recovered (h-lostinbound)").

A leaf publishes its host's records into its inbound stream at the hub (`PEERS_IN_<leaf>`);
once the stream acknowledged them, its positions moved past them. A record still waiting
in that stream, not applied by the hub's relay yet, when the hub's nats store was lost
(deleted, a disk replaced; the hub's relay stopped, or its stream deleted under it) was
lost for good: the leaf took it as sent, and no other host ever had it.

Now the leaf keeps each record it sent (its text, in its ledger: table `unconfirmed`), with
the stream sequence it was acknowledged at, until the hub has it for sure:
- it came back in `PEERS_FED` (the hub applied and carried it), or the hub refused it and
  said so (hub_refusals.py);
- or the hub said, asked at each link (the question for missed refusals: `inbound`), that
  it applied its inbound stream up to that sequence, in the stream it was sent into (same
  creation time, not ending before the highest sequence this leaf was acknowledged at).
A stream the hub says was created at another time or ends before that sequence, or an
acknowledgement at a sequence not above the highest one seen (the stream's sequence never
goes back while it lives; a duplicate's acknowledgement excepted), is a stream made anew:
every record kept is published again (`Resend`), each under its `Nats-Msg-Id` (its hash,
keyed with the leaf's credential: envelope.py). The hub applies what it lacks under the
checks of any record, and finds the rest duplicates.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from typing import Any

from peers_tui.relay.envelope import Envelope
from peers_tui.relay.ledger import Ledger

SCHEMA = """
CREATE TABLE IF NOT EXISTS unconfirmed (
    hash TEXT PRIMARY KEY, group_id TEXT NOT NULL, tbl TEXT NOT NULL, record TEXT NOT NULL,
    sig BLOB, cosig BLOB, seq INTEGER NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS unconfirmed_seq ON unconfirmed (seq);
"""
TOP = "inbound_acked"  # the ledger's position: the highest sequence acknowledged
CREATED = "inbound_created"  # ... and the stream's creation time the hub last told


class Unconfirmed:
    """The leaf's kept records (one ledger connection, the relay's loop only)."""

    def __init__(self, ledger: Ledger) -> None:
        ledger.db.executescript(SCHEMA)
        self.ledger, self.db = ledger, ledger.db
        self.hashes = {str(h) for h, in self.db.execute("SELECT hash FROM unconfirmed")}
        self.anew = False  # a stream made anew was found: everything kept goes again
        self.gone: list[tuple[str]] = []  # confirmed, still in the table (`flush`)

    def sent(self, envelopes: Sequence[Envelope], acks: Sequence[Any]) -> None:
        """Stored in the inbound stream at these acknowledgements: kept until confirmed."""
        top = self.ledger.position(TOP)
        fresh = [int(getattr(a, "seq", 0) or 0) for a in acks if not getattr(a, "duplicate", False)]
        if fresh and min(fresh) <= top:  # the sequence went back: another stream
            self.anew, top = True, 0
        now = int(time.time() * 1000)
        with self.ledger.batch():
            self.db.executemany(
                "INSERT OR REPLACE INTO unconfirmed (hash, group_id, tbl, record, sig, cosig,"
                " seq, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(e.hash, e.group_id, e.table, e.text, e.sig, e.cosig,
                  int(getattr(a, "seq", 0) or 0), now) for e, a in zip(envelopes, acks)])
            self.ledger.set_position(TOP, max([top, *fresh]))
        self.hashes.update(e.hash for e in envelopes)
        self.gone = [g for g in self.gone if g[0] not in self.hashes]  # sent again

    def confirmed(self, hashes: Iterable[str]) -> None:
        """Back from the hub, or refused there: the hub has them. Deleted from the table in
        one transaction at the next `flush` (a commit a record cost a backlog's every one
        coming back ~0.1 ms); kept in the table meanwhile, a crash sends them again at most."""
        for digest in hashes:
            if digest in self.hashes:
                self.hashes.discard(digest)
                self.gone.append((digest,))

    def flush(self) -> None:
        if self.gone:
            with self.ledger.batch():
                self.db.executemany("DELETE FROM unconfirmed WHERE hash = ?", self.gone)
            self.gone = []

    def told(self, inbound: object) -> None:
        """The hub's word on this leaf's inbound stream: `{"applied": N, "created": T,
        "last": S}`. The same stream: what it applied is confirmed. Another: all goes again."""
        if not isinstance(inbound, dict):
            return
        try:
            applied, created, last = (int(inbound[k]) for k in ("applied", "created", "last"))
        except (KeyError, TypeError, ValueError):
            return
        kept = self.ledger.position(CREATED)
        if (kept and created and created != kept) or last < self.ledger.position(TOP):
            self.anew = True
            self.ledger.set_position(TOP, last)
        elif self.hashes:
            self.flush()
            done = [str(h) for h, in self.db.execute(
                "SELECT hash FROM unconfirmed WHERE seq <= ?", (min(applied, last),))]
            self.confirmed(done)
        if created:
            self.ledger.set_position(CREATED, created)

    def kept(self, origin: str) -> list[Envelope]:
        """Every record kept, in the order it was sent."""
        self.flush()
        return [Envelope(group, table, text, bytes(sig or b""), bytes(cosig) if cosig else None,
                         origin)
                for group, table, text, sig, cosig in self.db.execute(
                    "SELECT group_id, tbl, record, sig, cosig FROM unconfirmed"
                    " ORDER BY seq, rowid")]

    def oldest(self) -> float:
        """When the oldest record kept was sent (seconds since the epoch)."""
        self.flush()
        row = self.db.execute("SELECT MIN(at) FROM unconfirmed").fetchone()
        return (row[0] or 0) / 1000 if row and row[0] is not None else time.time()

    def count(self) -> int:
        return len(self.hashes)


__all__ = ["CREATED", "TOP", "Unconfirmed"]
