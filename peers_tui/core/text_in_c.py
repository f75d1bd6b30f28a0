"""Reading rows with their text decoded by sqlite3's own C code, for the reads of every row of
a group file that `peers verify` makes (core.window_rows, core.chain_places).

Every connection of the models decodes text leniently (core.database: bytes that are not
UTF-8 become U+FFFD, so junk never makes a file unreadable), through a Python function: a call
a text value, ~0.15 us each, six a row of a verify window. For valid UTF-8, sqlite3's strict
C decoding gives the same str. A read that meets text that is not UTF-8 fails as a whole
(sqlite3 raises, naming the column) and is made again the connection's own way, which gives
what it always gave, or raises what it always raised.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")
# execute(sql, params): the rows of a query, on the connection of the models' database
Execute = Callable[[str, tuple[Any, ...]], Iterable[tuple[Any, ...]]]


def fetch_all(db: Any, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """`db.execute_sql(sql, params).fetchall()` (db: the models' database, connected), its
    text decoded in C where it is all UTF-8."""
    return read(db, lambda execute: list(execute(sql, params)))


def read(db: Any, reading: Callable[[Execute], T]) -> T:
    """`reading(execute)`, its queries' text decoded in C; if one meets text that is not UTF-8
    (or fails otherwise), `reading` again from the start with `db`'s own execute_sql. Reads
    only: `reading` may run twice."""
    conn = db.connection()
    decode = conn.text_factory
    try:
        conn.text_factory = str  # sqlite3's own decoding, in C
        return reading(conn.execute)
    except sqlite3.Error:  # not UTF-8 (or anything else: the read below says what)
        pass
    finally:
        conn.text_factory = decode
    return reading(db.execute_sql)


__all__ = ["Execute", "fetch_all", "read"]
