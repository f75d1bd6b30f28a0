"""A print of the row at each of the scanner's positions, so that rows deleted and written
again while the relay did not look are found (docs/relay.md, "A member's head deleted on
their own host").

The scanner's positions (relay.local) are rowids: a message's rowid and an invite's id, the
last row published. Neither table has AUTOINCREMENT: once its top rows are deleted, SQLite
gives their numbers to the next rows written. The relay learns of its own deletions
(deleted_tops.note_deletion) and, at each look at a file someone else committed to, of a top
below its position (deleted_tops.reused_below). Neither sees rows deleted and written again
while the relay was stopped (or between two of its looks): the top is back at or above the
position, or below it with the new rows under it, and the new rows were never published.

So with each position the ledger keeps a print of the row that was there (`pins`: a hash of
its record and signature, 56 bits), and of rows at some earlier positions, thinned to one
in each power-of-two distance below the newest (`Ledger.pin`). At a look at a file another
process committed to, the row at the position is read: gone, or another row, and the position
comes down to the highest pinned row still as it was (0 when none is), so the rows above it
are read again. Those the federation has already are passed over (`known`); the others are
sent again, which is harmless (the hub and every host hold them already: duplicates).
A position with no print (a ledger from before, or one lowered to a table's top) is pinned at
the row there as it is then.
"""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Any

from peers_tui.relay.ledger import Ledger

# The ledger key's prefix -> the table and its rowid column.
TABLES = {"msg": ("message", "rowid"), "invite": ("invite", "id")}


def print_of(record: object, sig: object) -> int:
    """56 bits of a hash of a row's record and signature, as stored (any type: a row written
    straight into the file may hold anything)."""
    digest = hashlib.blake2b(digest_size=7)
    for part in (record, sig):
        if isinstance(part, str):
            digest.update(part.encode("utf-8", "surrogatepass"))
        elif isinstance(part, (bytes, bytearray, memoryview)):
            digest.update(bytes(part))
        else:
            digest.update(repr(part).encode())
        digest.update(b"\0")
    return int.from_bytes(digest.digest(), "big")


def last_print(rows: list[Any]) -> int | None:
    """The print of the last of these rows (read in rowid order by a scan), None if none."""
    return print_of(rows[-1].record, rows[-1].sig) if rows else None


def row_print(connection: sqlite3.Connection, kind: str, at: int) -> int | None:
    """The print of the row at `at` of the table of `kind` ("msg", "invite"), None if none."""
    table, column = TABLES[kind]
    row = connection.execute(f"SELECT record, sig FROM {table} WHERE {column} = ?",
                             (at,)).fetchone()
    return None if row is None else print_of(row[0], row[1])


def pin_top(ledger: Ledger, connection: sqlite3.Connection, group_id: str, kind: str,
            at: int) -> None:
    """Pin the position of `kind` at `at`, the row there as it is now."""
    found = row_print(connection, kind, at) if at > 0 else None
    if found is not None:
        ledger.pin(f"{kind}:{group_id}", at, found)


def check(ledger: Ledger, connection: sqlite3.Connection, group_id: str) -> bool:
    """At a look at a file another process committed to: each position whose pinned row is
    gone or changed comes down to the highest pinned row still as it was (see above); a
    position without a print is pinned at its row. True when a position came down."""
    lowered = False
    try:
        for kind in TABLES:
            key = f"{kind}:{group_id}"
            position = ledger.position(key)
            if position <= 0:
                continue
            here = ledger.pin_at(key, position)
            if here is None:
                pin_top(ledger, connection, group_id, kind, position)
                continue
            if row_print(connection, kind, position) == here:
                continue
            pinned = ledger.pinned(key)
            intact = next((at for at in sorted(pinned, reverse=True) if at < position
                           and row_print(connection, kind, at) == pinned[at]), 0)
            ledger.set_position(key, intact)
            ledger.unpin_above(key, intact)
            lowered = True
    except sqlite3.Error:
        return lowered  # the scan after it says what is wrong with the file
    return lowered


__all__ = ["TABLES", "check", "last_print", "pin_top", "print_of", "row_print"]
