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
Passing down one record a query, each turn cost more than the one before (N = 6,000: 0.03 s
the first turn, 0.34 s the 24th), so the scanner keeps a mark of where each walk stopped
(`WalkMarks`) and the next turn goes on from there, as long as what it passed holds: the
file's evidence rows at or below the last one read unchanged (evidence_view.EvidenceView's
`generation`, checked against the file at every look), every record of the run refused here
(the quarantine only grows in this process: another one's write to the ledger drops the
marks), and no message or invite row of the author's among the run's places (an index range).
Otherwise the walk passes down as before: the same records move, in the same turns.
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


Key = tuple[str, int, str]  # the top of a run: its author, place and record's hash
# Any row of the author's in the message or invite table among the run's places (a record
# applied there, one released from evidence: relay/voided.py), one lookup of an index range.
_ROWS_AMONG = ("SELECT 1 FROM message WHERE author = ?1 AND author_seq BETWEEN ?2 AND ?3"
               " UNION ALL SELECT 1 FROM invite WHERE author = ?1 AND author_seq BETWEEN ?2"
               " AND ?3 LIMIT 1")


class Mark(NamedTuple):
    """Where a walk from `Key` stopped: the records at places low..top of the author's chain
    are in fork_evidence, each named by the one above; `below`, the hash the one at `low`
    names, is the next to move."""
    low: int
    below: str
    generation: int  # the evidence view's when the mark was checked against it
    unconfirmed: tuple[str, ...]  # moved as this scan refused them: quarantined after it


class Trail:
    """What one walk's descent did in this turn: (place, hash) of each record it passed or
    moved, while all of them are in fork_evidence (an altered genuine row left in place ends
    it: walk_turns' marks cover evidence rows only)."""

    def __init__(self, low: int, below: str) -> None:
        self.low, self.below, self.open = low, below, True
        self.records: list[tuple[int, str]] = []
        self.unconfirmed: list[str] = []

    def went(self, aseq: int, digest: str, below: str | None, confirmed: bool) -> None:
        if not self.open or below is None:
            self.open = False
            return
        self.records.append((aseq, digest))
        self.low, self.below = aseq, below
        if not confirmed:
            self.unconfirmed.append(digest)


class WalkMarks:
    """The marks of one group file's walks, kept by the scanner (rows.ScanMemory)."""

    def __init__(self) -> None:
        self.marks: dict[Key, Mark] = {}
        self.trails: dict[Key, Trail] = {}
        self.ledger_version: int | None = None

    def begin(self, refused_here: Any) -> None:
        """At a scan's start: marks only while the quarantine holds what they passed."""
        self.trails = {}
        ledger = getattr(refused_here, "db", None)
        version = ledger.execute("PRAGMA data_version").fetchone()[0] if ledger else None
        if version is None or version != self.ledger_version:
            self.marks = {}
        self.ledger_version = version
        for key, mark in list(self.marks.items()):  # quarantined after the scan that moved them
            if mark.unconfirmed and not all(refused_here(d) for d in mark.unconfirmed):
                del self.marks[key]
            elif mark.unconfirmed:
                self.marks[key] = mark._replace(unconfirmed=())

    def jump(self, db: Any, key: Key, generation: int) -> tuple[int, str] | None:
        """(low, below) of the walk from `key` if its mark holds: the walk goes on there."""
        mark = self.marks.get(key)
        if mark is None or mark.generation != generation or db.execute_sql(
                _ROWS_AMONG, (key[0], mark.low, key[1])).fetchone() is not None:
            return None
        self.trails[key] = Trail(mark.low, mark.below)
        return mark.low, mark.below

    def trail(self, key: Key) -> Trail:
        if key not in self.trails:
            self.trails[key] = Trail(key[1] + 1, key[2])
        return self.trails[key]

    def settle(self, holds: Any, generation: int, through: bool) -> None:
        """After the scan read the rows its walk wrote: a mark for each walk left for the next
        turn whose records of this turn the evidence view holds as moved (`holds`)."""
        if through:
            self.marks = {}
            return
        for key, trail in self.trails.items():
            author = key[0]
            if trail.low > key[1] or not all(holds((author, aseq), digest)
                                             for aseq, digest in trail.records):
                self.marks.pop(key, None)
                continue
            self.marks[key] = Mark(trail.low, trail.below, generation,
                                   tuple(trail.unconfirmed))
        self.trails = {}


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


__all__ = ["WALK_TURN", "Key", "WalkMarks", "Walked", "left_for_the_walk", "moved_before"]
