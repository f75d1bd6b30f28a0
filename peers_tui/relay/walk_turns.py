"""A long walk of void records (chain_evidence.move_named_void), a scan turn at a time.

The walk runs inside the relay's scan, on its event loop and under its lock: while it moved a
run of 2,400 void records (each its own delete, insert and lookups, ~2 ms), nothing else of the
relay ran, and another host's message to the same group waited for all of it on this host
(docs/relay.md, "The void walk a turn at a time (h-voidwalk)"). So one scan moves at most
`WALK_TURN` records; the scan that stops there ships what it moved (as evidence, as before)
and nothing from the message and invite tables, and keeps its positions, so the genuine
record that names the run goes out only after its whole run, in the turn that finishes it:
no host ever holds it without the run below it ("history deleted"). The scan says `more`, so
the next turn follows at once, after what waited for the lock.

The next turn's walk starts again from the record that names the run: the records moved by
the earlier turns are in `fork_evidence` now, and the walk passes down through them
(`moved_before`) to where it stopped. Only what a walk moved is passed through: a record this
relay refused, held in `fork_evidence` and in no message or invite row, its author's own.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from peers_tui.core.chain_rules import own_record
from peers_tui.core.encoding import record_hash
from peers_tui.core.raw import text_of
from peers_tui.relay.position_pins import TABLES, row_print

# Records moved in one scan turn: ~2 ms each (at load 1), about what the scan's judging of
# its SCAN_LIMIT rows already holds the loop for.
WALK_TURN = 256

_AT_PLACE = ("SELECT 0, record, sig FROM fork_evidence WHERE author = ? AND author_seq = ?"
             " UNION ALL SELECT 1, record, sig FROM message WHERE author = ? AND author_seq = ?"
             " UNION ALL SELECT 1, record, sig FROM invite WHERE author = ? AND author_seq = ?")


class Walked(NamedTuple):
    moved: int
    through: bool  # False: stopped at its turn's bound, the rest of a run left for the next


def moved_before(db: Any, group_id: str, author: str, aseq: int, digest: str) -> str | None:
    """The text of the record `digest` at this place if an earlier turn of the walk moved it
    (the caller knows it was refused here): in `fork_evidence`, its author's own record, and
    no message or invite row holds it. None: anything else, for the walk to judge as before."""
    found = None
    for in_a_table, text, sig in db.execute_sql(_AT_PLACE, (author, aseq) * 3).fetchall():
        text = text_of(text) if text is not None else None
        if text is None or record_hash(text) != digest:
            continue
        if in_a_table:
            return None
        found = own_record(author, aseq, text, sig, group_id)
    return None if found is None else found.text


def left_for_the_walk(scan: Any, db: Any, after_rowid: int, after_invite: int) -> None:
    """The scan whose walk stopped at its bound: its positions stay (the rows after them,
    the genuine record naming the run among them, are read again at the next turn), and the
    next turn follows at once. A position on a row the walk just moved comes down to the row
    below it that is left, pinned as it is: its pin gone, the next look took the rows as
    deleted and written again and read the whole rest of the run again (each turn judged
    what was left of it again: a turn's cost grew with the run, position_pins.py)."""
    connection = db.connection()
    positions = []
    for kind, at in (("msg", after_rowid), ("invite", after_invite)):
        table, column = TABLES[kind]
        left = connection.execute(f"SELECT MAX({column}) FROM {table} WHERE {column} <= ?",
                                  (at,)).fetchone()[0]
        positions.append(int(left or 0))
    scan.message_position, scan.invite_position = positions
    scan.prints = (row_print(connection, "msg", positions[0]),
                   row_print(connection, "invite", positions[1]))
    scan.more = True


__all__ = ["WALK_TURN", "Walked", "left_for_the_walk", "moved_before"]
