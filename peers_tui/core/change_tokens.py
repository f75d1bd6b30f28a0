"""What the change notifier (core.notifier) compares to tell a commit: a cheap, descriptor-free
stat of a group file and its WAL, and the content a one-row query reads through a read-only
connection."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from peers_tui.core.database.files import immutable_reason, refuse_planted_sql, sqlite_uri

CONTENT_QUERY = ("SELECT (SELECT MAX(rowid) FROM message), (SELECT MAX(seq) FROM group_members),"
                 " (SELECT MAX(id) FROM invite)")
Token = tuple[object, ...]


def file_stat(path: str) -> tuple[int, int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


def stat_token(path: Path) -> Token:
    """Cheap and fd-free: changes on commits (the WAL grows) and checkpoints (the DB is written),
    not when a reader merely creates or removes an empty WAL."""
    name = str(path)
    wal = file_stat(name + "-wal")
    return file_stat(name), (wal if wal is not None and wal[1] > 0 else None)


def open_reader(path: Path) -> sqlite3.Connection:
    """A connection that only reads what has been committed to `path`."""
    # Not mode=ro: a read-only connection cannot open a WAL database whose -wal and -shm are
    # gone (the last writer removed them), and would report the same failure for ever.
    # query_only keeps this connection from writing all the same.
    # A file we may not write is read `immutable` while nobody has it open, as the stores
    # do (database.files.immutable_reason): a reader must not leave -wal and -shm files.
    immutable = immutable_reason(path) is not None
    conn = sqlite3.connect(sqlite_uri(path, immutable=immutable), uri=True, timeout=0.5,
                           isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA query_only = ON")
        conn.execute("PRAGMA trusted_schema = OFF")
        refuse_planted_sql(conn)  # a view in place of a table (an endless one) is not read
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def content_token(path: Path, conn: sqlite3.Connection | None = None,
                  query: str = CONTENT_QUERY) -> Token:
    """What has been committed: the newest message, membership change and invite (or what
    another one-row `query` reads).

    With `conn`, read through that open connection (about 30 µs); else through a new one,
    opened and closed here (about 350 µs).
    """
    try:
        if conn is not None:
            return tuple(conn.execute(query).fetchone())
        conn = open_reader(path)
        try:
            return tuple(conn.execute(query).fetchone())
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return ("unreadable", str(exc))
