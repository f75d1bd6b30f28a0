"""Junk rows for the hypothesis tests: values of every SQLite type, written raw into real files.

SQLite is dynamically typed: an INTEGER column holds text, BLOBs or floats, a TEXT column
holds bytes that are not UTF-8, and anyone who can write the file may recreate a table
without its constraints. These helpers write such rows as an attacker (or a broken disk)
would, with the sqlite3 module and nothing of peers.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

GROUP_TABLES = ("group_info", "group_members", "invite", "message", "message_fts")
PERSONAL_TABLES = ("groups", "setting")


class BadUtf8(bytes):
    """Bytes stored as TEXT (`CAST(? AS TEXT)`): a text value that is not UTF-8."""


YEAR_9999_MS = 253402300800000  # 10000-01-01: one millisecond past what datetime shows
SPECIAL = [
    None, 0, -1, 1, 2**63 - 1, -2**63, YEAR_9999_MS, 10 * YEAR_9999_MS, -62135596800001,
    1.5, -0.0, float("inf"), float("-inf"), "", " ", "abc", "12", "{}", "[]", "null",
    "[" * 100_000, '{"a":' * 5_000 + "1" + "}" * 5_000, "x" * 300_000,
    BadUtf8(b"\xff"), BadUtf8(b"ok \xc3\x28 bad"), BadUtf8(b"\xed\xa0\x80"), b"", b"\x00\xff",
    "\x1b]0;pwned\x07[/][@click=app.quit]", "01ARZ3NDEKTSV4RRFFQ69G5FAV",
]
junk_values = st.one_of(
    st.sampled_from(SPECIAL),
    st.integers(min_value=-2**63, max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.binary(max_size=30),
    st.binary(min_size=1, max_size=12).map(BadUtf8),
)


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    if table == "message_fts":
        return ["rowid", "body"]
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def loosen(conn: sqlite3.Connection, table: str) -> None:
    """Recreate `table` with the same columns and rows but no types, keys or constraints,
    as any writer of the file may (rowids are kept: the search index refers to them)."""
    names = columns(conn, table)
    listed = ", ".join(names)
    conn.execute(f"CREATE TABLE junk_copy ({listed})")
    conn.execute(f"INSERT INTO junk_copy (rowid, {listed}) SELECT rowid, {listed} FROM {table}")
    conn.execute(f"DROP TABLE {table}")
    conn.execute(f"ALTER TABLE junk_copy RENAME TO {table}")


def _text(raw: bytes) -> str | BadUtf8:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return BadUtf8(raw)


def _bind(value: object) -> tuple[str, object]:
    return ("CAST(? AS TEXT)", bytes(value)) if isinstance(value, BadUtf8) else ("?", value)


@dataclass(frozen=True)
class Junk:
    """One junk row: which columns get which values (the rest copied from a genuine row)."""

    table: str
    values: dict[str, object]
    loose: bool  # recreate the table without constraints first

    def write(self, path: Path) -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.text_factory = _text  # an earlier junk row's text is copied back as it was
        try:
            conn.execute("BEGIN IMMEDIATE")
            self._insert(conn)
            conn.execute("COMMIT")
        finally:
            conn.close()  # (a rollback, if the insert failed)

    def _insert(self, conn: sqlite3.Connection) -> None:
        names = columns(conn, self.table)
        if self.loose and self.table != "message_fts":
            loosen(conn, self.table)
        source = conn.execute(f"SELECT {', '.join(names)} FROM {self.table} "
                              "ORDER BY rowid DESC LIMIT 1").fetchone()
        row = dict(zip(names, source or [None] * len(names)))
        row.update({k: v for k, v in self.values.items() if k in row})
        if self.table == "message_fts":
            row["rowid"] = row["rowid"] if isinstance(row["rowid"], int) else None
        marks, params = zip(*(_bind(row[name]) for name in names))
        sql = f"INSERT INTO {self.table} ({', '.join(names)}) VALUES ({', '.join(marks)})"
        try:
            conn.execute(sql, params)
        except sqlite3.Error:
            if self.table == "message_fts":
                return  # FTS5 takes only integer rowids: the junk went in as its body
            loosen(conn, self.table)  # a key or NOT NULL refused it: drop them, as a writer can
            conn.execute(sql, params)


def junk_rows(table: str, names: list[str]) -> st.SearchStrategy[Junk]:
    return st.builds(Junk, st.just(table),
                     st.dictionaries(st.sampled_from(names), junk_values, min_size=1,
                                     max_size=len(names)),
                     st.booleans())


def fresh_copy(template: Path, into: Path) -> Path:
    """A copy of a prepared world (homes and hub) to damage in one example."""
    if into.exists():
        shutil.rmtree(into)
    shutil.copytree(template, into)
    for personal in into.glob("*/personal.db"):  # the Groups table holds absolute paths
        conn = sqlite3.connect(personal)
        with conn:
            conn.execute("UPDATE groups SET db_path = replace(db_path, ?, ?)",
                         (str(template), str(into)))
        conn.close()
    return into


def set_aside(conn: sqlite3.Connection, body: str) -> None:
    """Move the message row holding `body` into fork_evidence, as a relay sets a row aside."""
    conn.execute("INSERT INTO fork_evidence (author, author_seq, kind, record, sig)"
                 " SELECT author, author_seq, 'msg', record, sig FROM message WHERE body = ?",
                 (body,))
    conn.execute("DELETE FROM message WHERE body = ?", (body,))
