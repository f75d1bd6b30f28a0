"""Putting the kept copy of a user's own pinned record back into a group file that lost it
(core/own_copy.py says why; the lean send, which must not import this, hands such a write
over to the full path)."""

from __future__ import annotations

import sqlite3
from typing import Any

import peewee

from peers_tui.core import own_place, search
from peers_tui.core.chain_rules import own_record
from peers_tui.core.encoding import record_hash
from peers_tui.core.errors import PeersError
from peers_tui.core.message_rules import expected_columns
from peers_tui.core.models import Message
from peers_tui.core.own_copy import Copy
from peers_tui.core.raw_values import text_of
from peers_tui.core.records import RecordError


def find(db: Any, author: str, head: tuple[int, str]) -> Copy | None:
    """The text and signature of `author`'s record at place head[0] with hash head[1] in the
    group file (any of the three tables), inside its session."""
    for table in ("message", "invite", "fork_evidence"):
        for text, sig in db.execute_sql(f"SELECT record, sig FROM {table} WHERE author = ?"
                                        " AND author_seq = ?", (author, head[0])):
            if isinstance(text, (str, bytes)) and isinstance(sig, bytes) \
                    and record_hash(text_of(text)) == head[1]:
                return text_of(text), sig
    return None


def restore(author: str, pin: tuple[int, str], copy: Copy | None, group_id: str,
            label: str) -> bool:
    """Put the kept copy of `author`'s pinned record back into the file (inside the writing
    transaction and session), when it is that record: its place and hash, verified as theirs.
    Junk at its place in the message table, and any row holding its id, is set aside first
    (own_place.clear, _in_the_way). Whether it went back; nothing changes when it did not (a
    record of the author's own at its place, say)."""
    if copy is None or record_hash(copy[0]) != pin[1]:
        return False
    record = own_record(author, pin[0], copy[0], copy[1], group_id)
    if record is None:
        return False
    db = Message._meta.database
    try:
        with db.atomic():  # a savepoint inside the write's transaction
            if record.kind == "msg":
                columns = expected_columns(record)
                rowid = own_place.clear(author, pin[0], group_id, label, message=True,
                                        also=tuple(_in_the_way(db, author, columns)))
                rowid = own_place.insert_message(
                    {**columns, "record": record.text, "sig": record.sig}, rowid)
                if columns["kind"] in search.SEARCHABLE_KINDS:
                    search.index(db, rowid, str(columns["body"]))
            else:
                db.execute_sql("INSERT INTO invite (key, kind, record, sig, author, author_seq)"
                               " VALUES (?, ?, ?, ?, ?, ?)",
                               (record.data.get("key"), record.kind, record.text, record.sig,
                                author, pin[0]))
    except (RecordError, PeersError, peewee.DatabaseError, sqlite3.Error):
        return False
    return True


def _in_the_way(db: Any, author: str, columns: dict[str, Any]) -> list[int]:
    """The rowids of the message rows holding the record's id (or its import id). Each is set
    aside into `fork_evidence` (own_place.clear), whatever it is: junk holds no place there,
    and a record that verifies as its author's holds its place in their chain there, as a
    leaf's row does when it yields to the hub's record of its id (relay/hub_holds_id.py).
    The pinned record is the original: the user's write chose its id above every id the file
    held, so a record of another author under it is a copy made after reading it (before, a
    copy that verified as its author's kept the id, even one the readers found backdated,
    and the original went into `fork_evidence`: gone from every reader's log here)."""
    return [int(rowid) for (rowid,) in db.execute_sql(
        "SELECT rowid FROM message WHERE id = ? OR (author = ? AND orig_id = ?)",
        (columns["id"], author, columns["orig_id"]))]


__all__ = ["find", "restore"]
