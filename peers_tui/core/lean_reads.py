"""Reading a group file and personal.db with plain sqlite3 for `peers send` (core.lean_post):
the same rows the models read, converted as the models convert them (core.raw), judged by the
same functions (core.membership_replay, core.chain_rules, core.genesis)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

from peers_tui.core import cut_chains
from peers_tui.core.chain_rules import Predecessors, by_hash, holds_place, newest_own, wanted_before
from peers_tui.core.database.files import (
    APPLICATION_ID, BUSY_SECONDS, FOREIGN_OBJECTS, PRAGMAS, SCHEMA_VERSION, check_regular_file,
    refuse_planted_sql, sqlite_uri, unwritable_reason,
)
from peers_tui.core.database.side_files import BornWithItsMode
from peers_tui.core.forks import forked_places
from peers_tui.core.genesis import checked_genesis
from peers_tui.core.roster import Roster, closed_pair
from peers_tui.core.membership_replay import (
    judge_invites, open_invites, replay_changes, signed_invites,
)
from peers_tui.core.plain_rows import text_column
from peers_tui.core.raw_values import decode_text

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from typing import Any

    from peers_tui.core.database.files import StrPath


def connect(path: StrPath) -> sqlite3.Connection | None:
    """A read-write connection to an existing peers file of the current schema, or None (a
    read-only, foreign, older or newer file: the full path deals with those)."""
    check_regular_file(path)
    if unwritable_reason(path) is not None:  # (then also never one to open `immutable`)
        return None
    with BornWithItsMode(path):  # its -wal and -shm, if the pragmas make them (side_files.py)
        conn = sqlite3.connect(sqlite_uri(path, immutable=False), uri=True,
                               timeout=BUSY_SECONDS, isolation_level=None)
        conn.text_factory = decode_text  # as every connection of the models (core.database)
        refuse_planted_sql(conn)  # (lean_schema looks once; a trigger planted later never runs)
        for name, value in PRAGMAS.items():
            conn.execute(f"PRAGMA {name} = {value}")
    if not lean_schema(conn):
        conn.close()
        return None
    return conn


def lean_schema(conn: sqlite3.Connection) -> bool:
    """Whether the file is one this path reads: the current schema, no foreign objects, and
    no backfill going on (asked again by a read on a connection opened earlier)."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    # A file in the middle of a backfill (core.frontier) has chain places not yet received:
    # the full path judges those.
    foreign = conn.execute(f"SELECT 1 FROM ({FOREIGN_OBJECTS} UNION ALL SELECT type, name FROM"
                           " sqlite_master WHERE name = 'backfill_state') LIMIT 1").fetchone()
    return version == SCHEMA_VERSION and app_id == APPLICATION_ID and foreign is None


def predecessors(conn: sqlite3.Connection, wanted: set[tuple[str, int]],
                 tables: tuple[str, ...] = ("message", "invite", "fork_evidence"), *,
                 group_id: str) -> Predecessors:
    """core.chains.predecessors on plain sqlite3: the records at each wanted chain position."""
    texts: dict[tuple[str, int], list[tuple[Any, Any]]] = {}
    positions = list(wanted)
    for table in tables:
        looked_up = {"message": "target, kind", "invite": "key, kind"}.get(table, "kind, kind")
        for start in range(0, len(positions), 100):
            chunk = positions[start:start + 100]
            condition = " OR ".join(["(author = ? AND author_seq = ?)"] * len(chunk))
            rows = conn.execute(f"SELECT author, author_seq, record, sig, {looked_up} FROM"
                                f" {table} WHERE {condition}", [v for key in chunk for v in key])
            for author, seq, text, sig, *columns in rows:
                author, text = text_column(author), text_column(text)
                columns = [text_column(column) for column in columns]
                if holds_place(table == "message", author, seq, text, columns) \
                        if table != "fork_evidence" else isinstance(author, str) and isinstance(seq, int):
                    texts.setdefault((author, seq), []).append((text, sig))
    return by_hash(texts, group_id)


def read_roster(conn: sqlite3.Connection, group_id: str, file_name: str) -> Roster | None:
    """The verified roster at the head of the membership log (as MembershipLog.roster), or
    None when any change or invite did not count: such a file goes the full way."""
    genesis = checked_genesis(conn.execute("SELECT id, record, sig FROM group_info LIMIT 1")
                              .fetchone(), group_id, file_name)
    roster = Roster.from_genesis(group_id, genesis.author, str(genesis.data.get("handle")),
                                 closed_pair(genesis.data, genesis.author))
    opened = open_invites(((text_column(key), text_column(kind), text_column(author), seq,
                            text_column(text), sig)
                           for key, kind, author, seq, text, sig in conn.execute(
                               "SELECT key, kind, author, author_seq, record, sig FROM invite"
                               " ORDER BY id")), group_id)
    signed = signed_invites(opened)
    positions = {(record.author, record.data["aseq"]) for record in signed}
    terms, invite_problems = judge_invites(
        opened, predecessors(conn, wanted_before(signed), group_id=group_id),
        forked_places(lambda sql, params: conn.execute(sql, params).fetchall(), positions,
                      group_id))
    roster.invite_positions = frozenset(positions)
    replay_changes(roster, ((seq, text_column(member), text_column(text), sig, cosig)
                            for seq, member, text, sig, cosig in conn.execute(
                                "SELECT seq, member, record, sig, cosig FROM group_members"
                                " ORDER BY seq, record")),
                   terms, conn.execute("SELECT seq, reason FROM set_aside_changes"))
    cut_chains.fill(roster, lambda sql, params: conn.execute(sql, params).fetchall())
    roster.invite_problems = invite_problems
    return None if roster.problems or invite_problems else roster


def own_head(conn: sqlite3.Connection, author: str,
             group_id: str) -> tuple[int, str, int] | None:
    """core.chains.own_head on plain sqlite3."""
    best: tuple[int, str, int] | None = None
    for table in ("message", "invite", "fork_evidence"):
        rows: Iterator[tuple[Any, Any, Any]] = (
            (seq, text_column(text), sig) for seq, text, sig in conn.execute(
                f"SELECT author_seq, record, sig FROM {table} WHERE author = ?"
                " ORDER BY author_seq DESC", (author,)))
        best = newest_own(author, group_id, rows, best)
    return best


def settings(personal: sqlite3.Connection, keys: Iterable[str]) -> dict[str, Any]:
    """Some of the user's settings, as stored."""
    wanted = list(keys)
    return {text_column(key): text_column(value) for key, value in personal.execute(
        f"SELECT key, value FROM setting WHERE key IN ({', '.join('?' * len(wanted))})", wanted)}


__all__ = ["connect", "own_head", "predecessors", "read_roster", "settings", "text_column"]
