"""The connection class of every peers database: Peewee's SQLite database, opened so that a file
this process cannot write still reads, with the pragmas every file gets.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import peewee

from peers_tui.core.database import write_gate
from peers_tui.core.database.files import (
    BUSY_SECONDS, PRAGMAS, SQLITE_CANTOPEN, SQLITE_FULL, SQLITE_IOERR, SQLITE_READONLY, disk_full,
    immutable_reason, refuse_planted_sql, sqlite_code, sqlite_uri, unwritable_reason,
    wal_has_content,
)
from peers_tui.core.database.side_files import BornWithItsMode
from peers_tui.core.raw import decode_text

class Database(peewee.SqliteDatabase):
    """Peewee's SQLite database, opened so that a file this process cannot write still reads:
    `immutable` when nobody else has it open (files.immutable_reason says why), and also when
    opening it read-write failed for want of -wal and -shm files (a read-only mount, a full
    disk). `read_only` says why this process cannot write the file (None when it can, as far
    as the last connection found).
    """

    read_only: str | None = None
    _timeout: float  # Peewee's, set by its __init__ (untyped in its stubs)
    if TYPE_CHECKING:
        _state: Any  # Peewee's per-thread connection state (_ConnectionLocal)

    if TYPE_CHECKING:
        def _add_conn_hooks(self, conn: sqlite3.Connection) -> None:
            """Peewee's: applies the pragmas and functions to a new connection."""

    # Each transaction marked open in this process while it is (core.database.write_gate: the
    # hang-up's forced end waits for it instead of cutting it short).
    def begin(self, lock_type: str | None = None) -> None:
        conn = self._state.conn
        write_gate.began(conn)
        try:
            super().begin(lock_type)
        except BaseException:
            write_gate.ended(conn)
            raise

    def commit(self) -> None:
        super().commit()  # failed: still open, until the rollback that follows
        write_gate.ended(self._state.conn)

    def rollback(self) -> None:
        conn = self._state.conn
        try:
            super().rollback()
        finally:
            write_gate.ended(conn)

    def _close(self, conn: sqlite3.Connection) -> None:
        write_gate.ended(conn)  # closed inside a transaction: rolled back
        super()._close(conn)  # type: ignore[misc]  # Peewee's, not in its stubs

    def _connect(self) -> sqlite3.Connection:
        path = Path(self.database)
        immutable = immutable_reason(path)
        if immutable is not None:
            return self._connect_immutable(path, immutable)  # (makes no file beside it)
        with BornWithItsMode(path):  # its -wal and -shm, if this opening makes them
            return self._connect_writable(path)

    def _connect_writable(self, path: Path) -> sqlite3.Connection:
        reason = unwritable_reason(path)
        try:
            conn = self._connect_existing(path)
        except sqlite3.Error as exc:
            # Opening runs the pragmas, which read the WAL index: a missing -shm that cannot
            # be created (read-only mount, full disk) shows up here.
            code = sqlite_code(exc)
            if (code not in (SQLITE_CANTOPEN, SQLITE_IOERR, SQLITE_READONLY, SQLITE_FULL)
                    or wal_has_content(path)):
                raise
            reason = reason or ("the disk is full" if disk_full(path) else None)
            if reason is None:
                raise
            return self._connect_immutable(path, reason)
        conn.text_factory = decode_text  # text that is not UTF-8 must not make a file unreadable
        self.read_only = reason
        return conn

    def _connect_existing(self, path: Path) -> sqlite3.Connection:
        """Peewee's connect, but `mode=rw` (new files are made by `create_file` first)."""
        try:  # a file `create_file` just made: its WAL comes with its first read, not here
            founding = os.stat(path).st_size == 0
        except OSError:
            founding = False  # (sqlite3 says what is wrong)
        conn = sqlite3.connect(sqlite_uri(path, immutable=False), uri=True,
                               timeout=self._timeout, isolation_level=None, **self.connect_params)
        try:
            self._add_conn_hooks(conn)
            refuse_planted_sql(conn)
            if founding:  # so it is made now, inside BornWithItsMode (side_files.py)
                conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        except Exception:
            conn.close()
            raise
        return conn

    def _connect_immutable(self, path: Path, reason: str) -> sqlite3.Connection:
        conn = sqlite3.connect(sqlite_uri(path, immutable=True), uri=True,
                               timeout=self._timeout, isolation_level=None, **self.connect_params)
        try:
            self._add_conn_hooks(conn)
            refuse_planted_sql(conn)
            conn.execute("PRAGMA query_only = ON")
            conn.text_factory = decode_text
        except Exception:
            conn.close()
            raise
        self.read_only = reason
        return conn


def connect(path: Path, *, lendable: bool = False) -> Database:
    """A Peewee database for `path` whose every transaction is BEGIN IMMEDIATE.

    Deferred transactions lost writes to SQLITE_BUSY under concurrent writers here; IMMEDIATE
    takes the write lock up front so the busy timeout can do its job. `lendable`: its
    connection may be lent to another thread while its own waits (GroupFile.lent_to_this_thread,
    for the relay's kept stores only), so sqlite3's same-thread check is off for it alone.
    """
    extra = {"check_same_thread": False} if lendable else {}
    return Database(str(path), pragmas=PRAGMAS, timeout=BUSY_SECONDS, lock_type="IMMEDIATE",
                    autoconnect=False, **extra)


__all__ = ["PRAGMAS", "Database", "connect"]
