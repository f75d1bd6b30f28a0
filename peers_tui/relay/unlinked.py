"""The messages a backfill's close takes out: its author's records whose previous place holds
none of their author's (backfill_state.finish; docs/relay.md, "Junk in the relay's books").

A place counts only from a row that verifies as its author's record there (README rule 2,
`chain_rules.own_record`), in any of the three tables: a place held by evidence alone holds a
predecessor (relay/chain_evidence.py), and junk counts for nothing, in the message table or
set aside into `fork_evidence` (relay/junk_places.py). Before, any row at the place was the
predecessor: junk written there kept a record whose predecessor never came. A junk row is no
record either: it has no chain to lack and is left where it is (the relay's scan refuses it
as written into this file, `peers verify` names it); before, the close deleted it as "never
arrived".

Verifying every predecessor would cost ~60 us a message (a 100,000-message join's close, 6 s
under the write lock). So a message whose author's previous place holds a message row with
the very text it names (the hash after `"aprev":"` in its canonical text, where a quote inside
a string is escaped) is taken as linked (the relay verified every record it applied); only
the others are verified, with every row at their previous place (`lacking`). What that passes
over: a copy of the predecessor's exact text with a spoiled signature, the genuine one never
having come (docs/relay.md). The pass over every message (`suspects`) reads the file before the
close takes the write lock; the close then checks what it found and the rows written since.
"""

from __future__ import annotations

from typing import Any

from peers_tui.core.chain_rules import own_record
from peers_tui.core.encoding import record_hash
from peers_tui.core.raw import text_of

LINKS = ("SELECT m.rowid, CASE WHEN typeof(m.record) = 'text'"
         " THEN substr(m.record, instr(m.record, '\"aprev\":\"') + 9, 64) END, p.record"
         " FROM message AS m LEFT JOIN message AS p ON p.author = m.author"
         " AND p.author_seq = m.author_seq - 1 WHERE m.author_seq > 1 AND m.rowid > ?")
PLACE = "SELECT record, sig FROM {table} WHERE author = ? AND author_seq = ?"
TABLES = ("message", "invite", "fork_evidence")


def suspects(db: Any, after: int = 0) -> tuple[int, list[int]]:
    """The file's last message rowid and the rowids after `after` of the messages whose
    previous place holds no message row with the text they name (~8 us a message)."""
    top = db.execute_sql("SELECT COALESCE(MAX(rowid), 0) FROM message").fetchone()[0]
    found = [rowid for rowid, aprev, before in db.execute_sql(LINKS, (after,)).fetchall()
             if not (isinstance(before, str) and aprev == record_hash(before))]
    return int(top), found


def lacking(db: Any, group_id: str, rowids: list[int]) -> list[tuple[int, str, str, int]]:
    """(rowid, id, author, place) of those of these messages that are their author's records
    and whose previous place holds none of their author's."""
    found = []
    for rowid in sorted(set(rowids)):
        row = db.execute_sql("SELECT id, author, author_seq, record, sig FROM message"
                             " WHERE rowid = ?", (rowid,)).fetchone()
        if row is None:
            continue
        message_id, author, aseq, text, sig = row
        if not isinstance(aseq, int) or aseq < 2 \
                or own_record(author, aseq, text_of(text), sig, group_id) is None:
            continue
        if not any(own_record(author, aseq - 1, text_of(held), held_sig, group_id) is not None
                   for table in TABLES for held, held_sig in db.execute_sql(
                       PLACE.format(table=table), (author, aseq - 1)).fetchall()):
            found.append((rowid, message_id, author, aseq))
    return found


def successors(db: Any, places: list[tuple[str, int]]) -> list[int]:
    """The rowids of the message rows at the place just above each of these."""
    return [row[0] for author, aseq in places for row in db.execute_sql(
        "SELECT rowid FROM message WHERE author = ? AND author_seq = ?",
        (author, aseq + 1)).fetchall()]


__all__ = ["lacking", "successors", "suspects"]
