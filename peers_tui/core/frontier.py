"""The backfill frontier: how much of a group's history a host that just joined has received.

A host joining a group already under way receives its membership log and invites whole, then
its messages newest first (peers_tui/relay/backfill.py), so that the newest screen shows at
once. Until the oldest have arrived, each author's oldest received record lacks the record
before it in their chain. The frontier says which chain places are simply not here yet:

- `backfill_state` (one row) says a backfill is under way, with the number of records the hub
  holds and the hub stream positions the walk has reached (the relay's business, kept here so
  that the walk continues after a restart of either process);
- `backfill_floor` holds, per author, the lowest chain place the newest-first walk has reached.
  A place below an author's floor, or any place of an author the walk has not reached yet, is
  "not yet received": the record above it is judged on its own signed data (signature, columns,
  role at its membership position: the membership log is complete) and its link to the place
  below is checked when that record arrives (a mismatch then voids it, like any broken link).
  Places at or above the floor are checked exactly as in a complete file.

Both tables live in the group file, not in the relay's private directory: every user's reader
needs them (the log's "not yet received" line, the chain checks), and they change in the same
transaction as the rows they describe. The relay drops them when the walk is done; from then
on every rule holds as in any complete file. Which rows the walk stored as history (not
unread, core/joined_history.py) is kept apart, in tables that outlive these. Functions here run inside a GroupStore session.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from peers_tui.core.models import Invite, Message

STATE = "backfill_state"
FLOORS = "backfill_floor"
SCHEMA = (f"CREATE TABLE IF NOT EXISTS {STATE} (id INTEGER PRIMARY KEY CHECK (id = 1),"
          " total INTEGER NOT NULL, upper INTEGER NOT NULL, lower INTEGER NOT NULL)",
          f"CREATE TABLE IF NOT EXISTS {FLOORS} (author TEXT PRIMARY KEY, floor INTEGER NOT NULL)")


@dataclass(frozen=True)
class Frontier:
    """A backfill under way: `received` of the `total` message records the hub holds are
    here; `upper`/`lower`: the hub stream positions read so far (newest, oldest)."""

    received: int
    total: int
    upper: int
    lower: int
    oldest: str | None = None  # the oldest message received: the frontier line goes above it

    @property
    def counts(self) -> str:
        # "(92,098 of 100,125)" alone was read as the count missing (sixteenth acceptance pass)
        return f"{self.received:,} of {max(self.total, self.received):,} here"

    @property
    def note(self) -> str:
        return f"— earlier history not yet received ({self.counts}) —"


def _db() -> Any:
    """The file the session bound (None outside a session)."""
    return Message._meta.database or Invite._meta.database


def _has_state(db: Any) -> bool:
    return db is not None and db.execute_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                          (STATE,)).fetchone() is not None


def current() -> Frontier | None:
    """The frontier of the bound file, or None when its history is complete."""
    db = _db()
    if not _has_state(db):
        return None
    row = db.execute_sql(f"SELECT total, upper, lower FROM {STATE} WHERE id = 1").fetchone()
    if row is None:
        return None
    received = db.execute_sql("SELECT COUNT(*) FROM message").fetchone()[0]
    total, upper, lower = (int(value) for value in row)
    return Frontier(int(received), total, upper, lower, oldest_received())


def oldest_received() -> str | None:
    """The oldest message of the bound file (one step down its id index): where the frontier
    line goes."""
    oldest = _db().execute_sql("SELECT MIN(id) FROM message WHERE target IS NULL").fetchone()[0]
    return oldest if isinstance(oldest, str) else None


class Sessions(Protocol):
    def session(self) -> AbstractContextManager[None]: ...


def of(file: Sessions) -> Frontier | None:
    """The frontier of a group file (GroupFile, GroupStore), or None when its history is complete."""
    with file.session():
        return current()


def reach() -> int:
    """The hub stream position up to which the backfill under way reads the bound file's
    messages itself (the join read the hub's stream up to there), 0 when none is under way."""
    db = _db()
    if not _has_state(db):
        return 0
    row = db.execute_sql(f"SELECT upper FROM {STATE} WHERE id = 1").fetchone()
    return 0 if row is None else int(row[0])


def active() -> bool:
    """Whether a backfill is under way in the bound file."""
    db = _db()
    return _has_state(db) and db.execute_sql(f"SELECT 1 FROM {STATE}").fetchone() is not None


def not_yet_received(author: str, place: int) -> bool:
    """Whether chain place `place` of `author` lies below the frontier (asked only for a place
    that is missing: a complete file answers with one look at its schema)."""
    if not active():
        return False
    row = _db().execute_sql(f"SELECT floor FROM {FLOORS} WHERE author = ?", (author,)).fetchone()
    return row is None or place < int(row[0])


def unmet(author: str) -> Frontier | None:
    """The backfill under way when its walk has met nothing of `author`'s yet (no floor, no
    message of theirs here): a cut made now would be at nothing (chains.seen_head_record)."""
    if not active() or _db().execute_sql(f"SELECT 1 FROM {FLOORS} WHERE author = ?",
                                         (author,)).fetchone() is not None:
        return None
    return None if Message.select().where(Message.author == author).exists() else current()


def floors() -> dict[str, int] | None:
    """Each author's floor while a backfill is under way in the bound file (a place below it,
    or any place of an author not in it, is not yet received); None when none is."""
    if not active():
        return None
    return {author: int(floor) for author, floor in
            _db().execute_sql(f"SELECT author, floor FROM {FLOORS}").fetchall()}


def begin(db: Any, total: int, upper: int, lower: int) -> None:
    """Start a backfill in this file (inside the caller's transaction)."""
    for statement in SCHEMA:
        db.execute_sql(statement)
    db.execute_sql(f"INSERT OR REPLACE INTO {STATE} (id, total, upper, lower) VALUES (1, ?, ?, ?)",
                   (total, upper, lower))


def lower(db: Any, floors: dict[str, int], position: int | None = None,
          total: int | None = None) -> None:
    """The walk reached `floors` (author -> lowest place received; lowered in the transaction
    that stores those records, so no reader sees a floor below what is here) and stream
    `position`."""
    if position is not None:
        db.execute_sql(f"UPDATE {STATE} SET lower = MIN(lower, ?) WHERE id = 1", (position,))
    if total is not None:
        db.execute_sql(f"UPDATE {STATE} SET total = ? WHERE id = 1", (total,))
    for author, place in floors.items():
        db.execute_sql(f"INSERT INTO {FLOORS} (author, floor) VALUES (?, ?) ON CONFLICT (author)"
                       " DO UPDATE SET floor = MIN(floor, excluded.floor)", (author, place))


def finish(db: Any) -> None:
    """The whole history is here: every rule holds as in a complete file from now on."""
    db.execute_sql(f"DROP TABLE IF EXISTS {FLOORS}")
    db.execute_sql(f"DROP TABLE IF EXISTS {STATE}")
