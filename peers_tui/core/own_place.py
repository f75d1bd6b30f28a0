"""A row in the way of the writer's own next record (docs/relay.md, "Junk at your own next
place").

A row of the message table at the place an author's next record takes (author, own head + 1)
cannot be their record there: a row that verifies as theirs at that place would be their head
(chains.own_head), so it is junk (another group's record of theirs, another key's record under
their name, a bad signature, bytes that are no record): it holds no place (README rule 2). It
used to block every write of theirs on that host for good ("a record you did not sign holds
your next place"), which anyone with write access to the group file could cause. Now the
writing transaction sets it aside into `fork_evidence`, as a relay does for a record arriving
at a place junk holds (relay/junk_places.py): kept as it was, where nothing counts it, and
named by `peers verify` ("... (set aside: holds no place)") and by the relay's scan
(`relay rejected`, "written into this host's file").

The relay finds new local rows by rowid (relay/local.py: its position is the last rowid it
published). The message table has no AUTOINCREMENT, so once the top row is deleted SQLite gives
its rowid to the next row inserted, and a relay whose position is that rowid (it scanned the
junk) would never publish the record written there. So the record that takes the place is
stored above every row the table held before the junk went: `clear` returns that rowid, read
in the same IMMEDIATE transaction before the delete, and `insert_message` writes the row there.
A write that stores no message row (an invite) moves nothing: junk in the message table does
not block the invite table, and stays where it is, as for an invite arriving from another host.

A row at a rowid no honest file reaches (HIGH, 2**62: written with sqlite3, at 2**63-1 say;
the same for the invite table and fork_evidence, whose ids the relay's scanner follows too)
would leave no rowid above it: a relay that scanned it would never publish a later row, and
SQLite gives rowids at random once the largest is taken. `lower_high_rows` moves such rows
just above the others (their search entries with them); every write and every relay scan
calls it first (docs/relay.md, "Attack pass on the new rules").
"""

from __future__ import annotations

import re
from typing import Any

from peers_tui.core import search
from peers_tui.core.chain_rules import own_record
from peers_tui.core.encoding import record_hash
from peers_tui.core.errors import DamagedDatabase
from peers_tui.core.models import Message
from peers_tui.core.raw_values import text_of

MAX_ROWID = 2 ** 63 - 1
_APREV = re.compile(r'"aprev":"([0-9a-f]*)"')  # canonical text: a quote in a string is escaped
HIGH = 2 ** 62  # no honest file's rowid gets here (a row a nanosecond for 146 years)
COLUMNS = ("id", "author", "author_seq", "kind", "created_at", "body", "record", "sig",
           "target", "reply_to", "orig_id")


def clear(author: str, aseq: int, group_id: str, label: str, *, message: bool,
          last: int | None = None, also: tuple[int, ...] = ()) -> int | None:
    """Make the message table's places `aseq` to `last` (None: `aseq` alone) of `author`'s
    chain, all above their head, free for their records, inside the writing transaction and
    session. Returns the rowid the first new message row must take, the next ones following
    it (None: SQLite's own choice does). `message`: the records go into the message table (an
    invite does not: the rows there block nothing and stay). `also`: rowids of other junk
    rows of the message table in their way (an import's: rows holding its import ids)."""
    db = Message._meta.database
    lower_high_rows(db)
    rows = db.execute_sql("SELECT rowid, author_seq, record, sig FROM message WHERE author = ?"
                          " AND author_seq BETWEEN ? AND ?",
                          (author, aseq, aseq if last is None else last)).fetchall()
    if not rows and not also:
        return None
    if any(text is not None and sig is not None
           and own_record(author, place, text_of(text), sig, group_id) is not None
           for _, place, text, sig in rows):
        # Never reached (such a row is the author's head), and never moved: a record of
        # theirs is theirs to be judged by the chain rules, not set aside here.
        raise DamagedDatabase(f"{label}: a record of yours already holds your next place in"
                              " your chain (see 'peers verify'); nothing was written")
    if not message:
        return None
    top = int(db.execute_sql("SELECT COALESCE(MAX(rowid), 0) FROM message").fetchone()[0])
    set_aside_messages(db, [rowid for rowid, *_ in rows] + list(also))
    return top + 1 if top < MAX_ROWID else None


def chain_hashes(author: str, head: tuple[int, str] | None, low: int) -> dict[int, str]:
    """The hashes of `author`'s records at places `low` to their head (aseq, hash: verified,
    chains.own_head), walked down the links by hash from it: a row with one of these texts
    is their record there, without a signature check (~2 us a row against ~60). Stops where
    no row at a place has the hash the place above names."""
    if head is None or head[0] < low:
        return {}
    db = Message._meta.database
    texts: dict[int, list[str]] = {}
    for table in ("message", "invite", "fork_evidence"):
        for aseq, text in db.execute_sql(f"SELECT author_seq, record FROM {table} WHERE author = ?"
                                         " AND author_seq BETWEEN ? AND ?", (author, low, head[0])):
            if isinstance(text, (str, bytes)):
                texts.setdefault(aseq, []).append(text_of(text))
    walked: dict[int, str] = {}
    expected = head[1]
    for place in range(head[0], low - 1, -1):
        found = next((text for text in texts.get(place, ()) if record_hash(text) == expected), None)
        named = None if found is None else _APREV.search(found)
        if found is None:
            break
        walked[place] = expected
        if named is None:
            break
        expected = named.group(1)
    return walked


TABLES = ("message", "invite", "fork_evidence")


def high_rows(db: Any) -> bool:
    """Whether the message, invite or fork_evidence table holds rows at rowid HIGH or above
    that are not already just above the rows below it (one look at each table's top: the
    relay's positions are their rowids). Rows there already (junk at HIGH - 1, the next rows
    SQLite's own choice after it) are where they belong: moving them onto themselves copied
    their search entries onto themselves ("constraint failed", every write and relay scan)."""
    if max(db.execute_sql("SELECT COALESCE((SELECT MAX(rowid) FROM message), 0),"
                          " COALESCE((SELECT MAX(id) FROM invite), 0),"
                          " COALESCE((SELECT MAX(id) FROM fork_evidence), 0)").fetchone()) < HIGH:
        return False
    return any(_out_of_place(db, table) for table in TABLES)


def _out_of_place(db: Any, table: str) -> bool:
    """Whether the table's rows at HIGH or above are not the run just above its rows below."""
    top, count, last = db.execute_sql(
        f"SELECT COALESCE((SELECT MAX(rowid) FROM {table} WHERE rowid < ?1), 0),"
        f" (SELECT COUNT(*) FROM {table} WHERE rowid >= ?1),"
        f" (SELECT MAX(rowid) FROM {table} WHERE rowid >= ?1)", (HIGH,)).fetchone()
    return bool(count) and int(last) != int(top) + int(count)


def lower_high_rows(db: Any) -> bool:
    """Move the message, invite and fork_evidence rows at rowid HIGH or above, in their order, just above
    the rows below it, the messages' search entries with them (inside a writing
    transaction); whether any were there. One look at the tables' tops when none is."""
    if not high_rows(db):
        return False
    for table in TABLES:
        top = int(db.execute_sql(f"SELECT COALESCE(MAX(rowid), 0) FROM {table} WHERE rowid < ?",
                                 (HIGH,)).fetchone()[0])
        if table == "message":
            db.execute_sql(f"DELETE FROM {search.FTS_TABLE} WHERE rowid > ? AND rowid < ?",
                           (top, HIGH))
        high = [rowid for (rowid,) in db.execute_sql(
            f"SELECT rowid FROM {table} WHERE rowid >= ? ORDER BY rowid", (HIGH,)).fetchall()]
        for offset, rowid in enumerate(high, start=1):
            if rowid == top + offset:  # where it belongs (a run after junk at HIGH - 1)
                continue
            db.execute_sql(f"UPDATE {table} SET rowid = ? WHERE rowid = ?", (top + offset, rowid))
            if table == "message":  # (a stale entry where it goes belongs to no message)
                search.unindex(db, top + offset)
                db.execute_sql(f"INSERT INTO {search.FTS_TABLE} (rowid, body) SELECT ?, body"
                               f" FROM {search.FTS_TABLE} WHERE rowid = ?", (top + offset, rowid))
                search.unindex(db, rowid)
    return True


def read_again(db: Any, message: int, invite: int) -> tuple[int, int]:
    """A relay scan's positions (message rowid, invite id), after lower_high_rows: one at
    HIGH or above and past its table's top (the row no honest file holds that it was moved
    onto came down, or a ledger from before) reads its table again from its start (0); one
    within a run of rows at HIGH and above (after junk at HIGH - 1) stands: reading the table
    again at every scan re-sent what the host had applied from others."""
    if max(message, invite) < HIGH:
        return message, invite
    tops = db.execute_sql("SELECT COALESCE((SELECT MAX(rowid) FROM message), 0),"
                          " COALESCE((SELECT MAX(id) FROM invite), 0)").fetchone()
    return (0 if message >= HIGH and message > int(tops[0]) else message,
            0 if invite >= HIGH and invite > int(tops[1]) else invite)


def set_aside_messages(db: Any, rowids: list[int]) -> None:
    """Move these rows of the message table into `fork_evidence` as they are (a column that
    table cannot leave empty gets an empty value); their search entries go. In the caller's
    transaction."""
    moved = sorted(set(rowids))
    for rowid in moved:
        db.execute_sql("INSERT INTO fork_evidence (author, author_seq, kind, record, sig)"
                       " SELECT author, author_seq, 'msg', COALESCE(record, ''),"
                       " COALESCE(sig, X'') FROM message WHERE rowid = ?", (rowid,))
        search.unindex(db, rowid)
    if moved:
        db.execute_sql(f"DELETE FROM message WHERE rowid IN ({','.join('?' * len(moved))})",
                       moved)


def insert_message(values: dict[str, Any], rowid: int | None) -> int:
    """Store a message row (the record's columns, its text and signature) at `rowid`, or
    where SQLite puts it when None; its rowid."""
    names = [name for name in COLUMNS if name in values]
    params = [values[name] for name in names]
    if rowid is not None:
        names, params = ["rowid", *names], [rowid, *params]
    cursor = Message._meta.database.execute_sql(
        f"INSERT INTO message ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        params)
    return int(cursor.lastrowid)


__all__ = ["HIGH", "chain_hashes", "clear", "high_rows", "insert_message", "lower_high_rows",
           "read_again", "set_aside_messages"]
