"""The ledger's quarantine and waiting tables, bounded per host (relay/limits.py).

Every refused record is counted, by the host it came from (`rejected_counts`, what `relay
status` shows), but only the first `quarantine_per_host` of a host are kept with their text:
a host sending a flood of forged records cannot fill the disk, and what it sent first stays
for the operator to read (`relay rejected`). A host may have at most `waiting_per_host`
records held back: the next one is refused (and counted) instead.
"""

from __future__ import annotations

import sqlite3
import time

from peers_tui.relay.envelope import Envelope

SCHEMA = """
CREATE TABLE IF NOT EXISTS rejected_counts (host TEXT PRIMARY KEY, refused INTEGER NOT NULL,
    kept INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS waiting_host ON waiting (host);
CREATE INDEX IF NOT EXISTS waiting_group ON waiting (group_id);
CREATE TABLE IF NOT EXISTS restored (hash TEXT NOT NULL, host TEXT NOT NULL,
    group_id TEXT NOT NULL, tbl TEXT NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL,
    record TEXT NOT NULL, sig BLOB, cosig BLOB, restored_at INTEGER NOT NULL, how TEXT NOT NULL,
    PRIMARY KEY (hash, host, group_id));
CREATE INDEX IF NOT EXISTS restored_group ON restored (group_id, host);
CREATE INDEX IF NOT EXISTS quarantine_group ON quarantine (group_id);
"""


# The quarantine keyed by (hash, host), as ledgers before it had it: a record refused in two
# groups' files (a genuine one copied into another group, say) was kept once, under the first
# group, and the second group's lookup (Ledger.refused_from) missed it.
_BY_GROUP = """
CREATE TABLE quarantine_by_group (
    hash TEXT NOT NULL, host TEXT NOT NULL, group_id TEXT NOT NULL, tbl TEXT NOT NULL,
    reason TEXT NOT NULL, at INTEGER NOT NULL, record TEXT NOT NULL, sig BLOB, cosig BLOB,
    PRIMARY KEY (hash, host, group_id));
INSERT INTO quarantine_by_group SELECT hash, host, group_id, tbl, reason, at, record, sig, cosig
    FROM quarantine;
DROP TABLE quarantine;
ALTER TABLE quarantine_by_group RENAME TO quarantine;
"""


def keyed_by_group(db: sqlite3.Connection) -> None:
    """A ledger whose quarantine is keyed by (hash, host) moved over to (hash, host, group),
    in one transaction (another process opening it meanwhile waits, then finds it done)."""
    def by_host() -> bool:
        keys = {str(row[1]) for row in db.execute("PRAGMA table_info(quarantine)") if row[5]}
        return bool(keys) and "group_id" not in keys
    if not by_host():
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        if by_host():
            for statement in filter(str.strip, _BY_GROUP.split(";")):
                db.execute(statement)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def prepare(db: sqlite3.Connection) -> None:
    """The counts table, filled from the rows kept when a ledger from before it is opened;
    the quarantine keyed by group."""
    keyed_by_group(db)
    db.executescript(SCHEMA)
    # Only when there is something to count: an INSERT of nothing still takes the write lock,
    # and `peers relay status` (which opens the ledger too) then waited on the running relay's
    # transactions, failing "database is locked" under load.
    if (db.execute("SELECT 1 FROM rejected_counts LIMIT 1").fetchone() is None
            and db.execute("SELECT 1 FROM quarantine LIMIT 1").fetchone() is not None):
        # One statement, and only while the table is still empty: the running relay may have
        # counted a refusal between the looks above (a fresh-clone CI: `peers relay rejected`
        # failed "UNIQUE constraint failed: rejected_counts.host").
        db.execute("INSERT OR IGNORE INTO rejected_counts (host, refused, kept) SELECT host,"
                   " COUNT(*), COUNT(*) FROM quarantine"
                   " WHERE NOT EXISTS (SELECT 1 FROM rejected_counts) GROUP BY host")


def quarantine(db: sqlite3.Connection, envelope: Envelope, reason: str, cap: int) -> None:
    """Count the refusal; keep the record unless its host has `cap` kept already (a record
    refused again from the same host in the same group counts once, as before, and is kept
    with its last reason and time: a record refused for the hub's clock, taken again once the
    clock allowed it and refused then for something else, said "signed more than a day ahead"
    for good, on the hub and on its leaf, and was taken again at every start; h-hubclock)."""
    kept = db.execute("SELECT reason FROM quarantine WHERE hash = ? AND host = ? AND group_id = ?",
                      (envelope.hash, envelope.origin, envelope.group_id)).fetchone()
    if kept is not None and kept[0] != reason[:500]:
        db.execute("UPDATE quarantine SET reason = ?, at = ? WHERE hash = ? AND host = ? AND"
                   " group_id = ?", (reason[:500], int(time.time() * 1000), envelope.hash,
                                     envelope.origin, envelope.group_id))
    if kept is None:
        row = db.execute("SELECT kept FROM rejected_counts WHERE host = ?",
                         (envelope.origin,)).fetchone()
        keep = row is None or row[0] < cap
        nested = db.in_transaction  # inside the intake's bookkeeping (Ledger.batch): one commit
        if not nested:
            db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO rejected_counts (host, refused, kept) VALUES (?, 1, ?) ON CONFLICT"
                   " (host) DO UPDATE SET refused = refused + 1, kept = kept + excluded.kept",
                   (envelope.origin, int(keep)))
        if keep:
            db.execute(
                "INSERT INTO quarantine (hash, host, group_id, tbl, reason, at, record, sig, "
                "cosig) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (envelope.hash, envelope.origin, envelope.group_id, envelope.table, reason[:500],
                 int(time.time() * 1000), envelope.text, envelope.sig, envelope.cosig))
        if not nested:
            db.execute("COMMIT")
    db.execute("DELETE FROM waiting WHERE hash = ?", (envelope.hash,))


def withdraw(db: sqlite3.Connection, group_id: str, host: str,
             reason: str) -> list[tuple[Envelope, str]]:
    """Take back this host's refusals of the group's records whose reason starts with
    `reason`, uncounted; the records with their reasons (relay/refetch.py: a record refused
    because its predecessor was missing here is genuine once the predecessor is back)."""
    rows = db.execute("SELECT hash, tbl, record, sig, cosig, reason FROM quarantine WHERE"
                      " group_id = ? AND host = ? AND reason LIKE ?",
                      (group_id, host, reason + "%")).fetchall()
    if not rows:
        return []
    with_transaction = not db.in_transaction
    if with_transaction:
        db.execute("BEGIN IMMEDIATE")
    db.executemany("DELETE FROM quarantine WHERE hash = ? AND host = ? AND group_id = ?",
                   [(row[0], host, group_id) for row in rows])
    db.execute("UPDATE rejected_counts SET refused = MAX(0, refused - ?), kept = MAX(0, kept - ?)"
               " WHERE host = ?", (len(rows), len(rows), host))
    if with_transaction:
        db.execute("COMMIT")
    return [(Envelope(group_id, str(tbl), str(text), bytes(sig or b""),
                      bytes(cosig) if cosig else None, host), str(why))
            for _, tbl, text, sig, cosig, why in rows]


# How a refusal is taken back when its record is applied here after all (a join refused for
# an invite the hub lacked then, by a relay before its fix: the thirteenth acceptance pass).
APPLIED_SINCE = "applied here since (its refusal no longer holds)"


def any_refused(db: sqlite3.Connection, group_id: str) -> bool:
    """Whether the quarantine keeps a refusal in the group (its index: most often none)."""
    return db.execute("SELECT 1 FROM quarantine WHERE group_id = ? LIMIT 1",
                      (group_id,)).fetchone() is not None


def refused_in(db: sqlite3.Connection, group_id: str) -> set[str]:
    """The hashes of the group's refused records kept in the quarantine (any host)."""
    return {str(digest) for (digest,) in db.execute(
        "SELECT hash FROM quarantine WHERE group_id = ?", (group_id,))}


def restore(db: sqlite3.Connection, group_id: str, hashes: set[str], how: str) -> int:
    """The group's refusals of these records (by any host) are no longer so: each record now
    stands genuine in this host's file (`peers relay refetch` put its row back from its
    signed record, or applied it from the hub's stream). Moved out of the quarantine into
    `restored`, uncounted, so that `relay status` and `relay rejected` say what is refused
    now; `relay rejected` lists them apart, marked. How many were moved. (Nothing refused
    in the group, the common case: one look at an index, whatever the records applied.)"""
    if not any_refused(db, group_id):
        return 0
    found = [row for digest in sorted(hashes) for row in db.execute(
        "SELECT hash, host, tbl, reason, at, record, sig, cosig FROM quarantine WHERE hash = ?"
        " AND group_id = ?", (digest, group_id))]
    if not found:
        return 0
    now = int(time.time() * 1000)
    with_transaction = not db.in_transaction
    if with_transaction:
        db.execute("BEGIN IMMEDIATE")
    for digest, host, tbl, reason, at, record, sig, cosig in found:
        db.execute("INSERT OR REPLACE INTO restored (hash, host, group_id, tbl, reason, at,"
                   " record, sig, cosig, restored_at, how) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                   " ?)", (digest, host, group_id, tbl, reason, at, record, sig, cosig, now, how))
        db.execute("DELETE FROM quarantine WHERE hash = ? AND host = ? AND group_id = ?",
                   (digest, host, group_id))
        db.execute("UPDATE rejected_counts SET refused = MAX(0, refused - 1), kept = MAX(0,"
                   " kept - 1) WHERE host = ?", (host,))
    if with_transaction:
        db.execute("COMMIT")
    return len(found)


class RefusedHere:
    """Whether a record (its hash) that `host` sent or wrote into the file of `group_id` was
    refused here: kept in the quarantine, or refused and restored since (never sent either
    way: its record goes out when a later one names it, chain_evidence.move_named_void).
    `restored()`: the records of the second kind, which the scan sends once their rows are
    genuine (altered_rows.genuine_again): restored by `relay refetch`, they went out only
    with a later record naming them (h-altered's "Left open")."""

    def __init__(self, db: sqlite3.Connection, host: str, group_id: str) -> None:
        self.db, self.host, self.group_id = db, host, group_id

    def __call__(self, digest: str) -> bool:
        return self.db.execute(
            "SELECT 1 FROM quarantine WHERE hash = ? AND host = ? AND group_id = ? UNION ALL"
            " SELECT 1 FROM restored WHERE hash = ? AND host = ? AND group_id = ?",
            (digest, self.host, self.group_id) * 2).fetchone() is not None

    def reason(self, digest: str) -> str | None:
        """Why this relay refused the record, as its quarantine says (None: not there now:
        restored since, or never refused): the walk of chain_evidence.move_named_void judges
        again only a record refused for what may change."""
        found = self.db.execute("SELECT reason FROM quarantine WHERE hash = ? AND host = ? AND"
                                " group_id = ?", (digest, self.host, self.group_id)).fetchone()
        return None if found is None else str(found[0])

    def restored(self) -> list[Envelope]:
        return [Envelope(self.group_id, str(tbl), str(text), bytes(sig or b""),
                         bytes(cosig) if cosig else None, self.host)
                for tbl, text, sig, cosig in self.db.execute(
                    "SELECT tbl, record, sig, cosig FROM restored WHERE group_id = ? AND"
                    " host = ?", (self.group_id, self.host))]


def rejected_counts(db: sqlite3.Connection) -> dict[str, int]:
    return {host: count for host, count in db.execute(
        "SELECT host, refused FROM rejected_counts WHERE refused > 0 ORDER BY host")}


def is_held(db: sqlite3.Connection, envelope: Envelope) -> bool:
    return db.execute("SELECT 1 FROM waiting WHERE hash = ?", (envelope.hash,)).fetchone() is not None


def waiting_from(db: sqlite3.Connection, host: str) -> int:
    return int(db.execute("SELECT COUNT(*) FROM waiting WHERE host = ?", (host,)).fetchone()[0])


__all__ = ["APPLIED_SINCE", "RefusedHere", "any_refused", "is_held", "prepare", "quarantine", "refused_in", "rejected_counts",
           "restore", "waiting_from", "withdraw"]
