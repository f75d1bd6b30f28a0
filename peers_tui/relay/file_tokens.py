"""A group file's stat token and SQLite data_version: whether the relay must look at it
again (relay.local, the scanner; relay.link_report). Moved out of local.py whole.

A stat token per file (the DB and its WAL) says whether anything was written since the last
scan; `PRAGMA data_version` on the kept connection says whether another connection committed.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

from peers_tui.core.group_store import GroupStore
# Moved to the core whole (core.stopped_unsent counts by it too); kept here under their names.
from peers_tui.core.stat_token import SETTLE_NS, Token, settled, token  # noqa: F401

# How old a file's token must be, before a look reads the file, for the look to keep it
# without the write lock (local._looked_at: another writer holds it, or the file is
# read-only). SETTLE_NS was measured quiet; at load 11-17 a commit's frame was seen 55 ms
# before the commit showed (docs/relay.md, "Damaged file mended (h-sevenpass)").
LOCKLESS_NS = 1_000_000_000


def quiet_token(store: GroupStore, path: Path, version: int | None = None,
                 handled: Callable[[Path], None] | None = None) -> tuple[Token | None, int] | None:
    """The file's token and data_version taken while no other connection writes to it (the
    write lock held for a moment, never waited for), or None when another writer holds it.
    With the lock held, every frame in the WAL belongs to a commit that is over: a token
    taken then names a state readers see whole. So when the version is the one already
    scanned, nothing is left to look at until the token moves again, and a recently written
    file need not be looked at again and again until its write is old enough to be visible
    for sure (SETTLE_NS; each look was ~0.1 ms of CPU, six or seven after every commit of
    every relay, their own applies included). Nothing is written: the transaction is empty.
    When the version is `version` (every commit up to it handled), `handled(path)` is called
    with the lock still held: no write can have begun since (Waker.seen)."""
    try:
        connection = store.db.connection()
        if connection.in_transaction:
            return None
        wait = connection.execute("PRAGMA busy_timeout").fetchone()[0]
        connection.execute("PRAGMA busy_timeout = 0")
        try:
            connection.execute("BEGIN IMMEDIATE")
        finally:
            connection.execute(f"PRAGMA busy_timeout = {int(wait)}")
        try:
            found = token(path)
            now = int(connection.execute("PRAGMA data_version").fetchone()[0])
            if handled is not None and now == version:
                handled(path)
            return found, now
        finally:
            connection.execute("ROLLBACK")
    except (sqlite3.Error, ValueError, TypeError):
        return None


@contextlib.contextmanager
def write_locked(store: GroupStore) -> Iterator[bool]:
    """The file's write lock taken on the store's connection for the block (never waited
    for): True when held, False when another writer holds it (or the connection is in a
    transaction of its own). A commit of another connection can then neither begin nor end
    before the block's end; if the block closes the connection (local._evicted), the close
    rolls the empty transaction back first, and its checkpoint, if it is the last
    connection, holds only the commits the block saw (any other connection open keeps the
    WAL, as it is, beside the file)."""
    connection: sqlite3.Connection | None = None
    try:
        candidate = store.db.connection()
        if not candidate.in_transaction:
            wait = candidate.execute("PRAGMA busy_timeout").fetchone()[0]
            candidate.execute("PRAGMA busy_timeout = 0")
            try:
                candidate.execute("BEGIN IMMEDIATE")
                connection = candidate
            finally:
                candidate.execute(f"PRAGMA busy_timeout = {int(wait)}")
    except (sqlite3.Error, ValueError, TypeError):
        pass
    try:
        yield connection is not None
    finally:
        if connection is not None:
            with contextlib.suppress(sqlite3.Error):  # closed in the block: rolled back then
                if connection.in_transaction:
                    connection.execute("ROLLBACK")


def data_version(store: GroupStore) -> int | None:
    """What moves when another connection commits to the file (SQLite's data_version of the
    store's kept connection; the relay's own commits through it leave it alone)."""
    try:
        return int(store.db.connection().execute("PRAGMA data_version").fetchone()[0])
    except (sqlite3.Error, ValueError, TypeError):
        return None
