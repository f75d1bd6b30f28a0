"""What the scan ships from `fork_evidence` (rows.scan_local), read a scan at a time only where
the file changed.

Every record there that is its author's own (chain_rules.own_record) and that the federation
may not have goes out as evidence, and with them the records of the message and invite tables
at those places that it does not have (docs/relay.md, h-forkhalf). The scan read the whole
table and opened every record in it at every look: after a long void walk (6,000 records
moved into it, chain_evidence.py) that was 6,000 signatures checked at every scan of the file,
and a walk turn's cost grew with the part of the run already moved (docs/relay.md, "The void
walk's tail, linear (h-walktail)").

So the scanner keeps, per file, what its last look found (`EvidenceView`): each row as read,
which are records of their author's place, and which of those were not known yet. A look
reads the rows after the last one it read; the rows at or below it are taken as they were
only when checked against the file:
- no other connection committed since the last look (`PRAGMA data_version` of the kept
  connection), as many rows at or below it as before (a row this relay deleted, released
  from evidence: relay/voided.py) and the row at it the same (an id used again after the top
  rows were deleted);
- else every row is read again and compared with what was kept (its text's hash, its
  signature, its place), and only a row that differs is opened. Nothing another process
  wrote is trusted blindly, and the records are never opened again.
A record known once stays known (the ledger's `known` only grows): only those not known at
the last look are asked again. The result is the whole read's, in the same order.
`generation` moves whenever a row at or below the last one read changed or went: what the
walk keeps of its earlier turns (walk_turns.WalkMarks) holds only while it does not.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from peers_tui.core.chain_rules import own_record
from peers_tui.core.models import ForkEvidence
from peers_tui.core.raw import text_of
from peers_tui.core.text_in_c import fetch_all
from peers_tui.relay.envelope import Envelope

Place = tuple[str, int]
# A row as stored: (author, author_seq, its record's hash, sig); compared, never opened.
Print = tuple[Any, Any, Any, Any]
# Rows as stored, their text decoded in C (core.text_in_c: the same values): the model's
# conversions, a Python call a value, are made only for a row to open (a scan after another
# process's commit, N = 6,000 rows compared: 0.03 CPU s with them, 0.018 s without).
_BETWEEN = ("SELECT id, author, author_seq, record, sig FROM fork_evidence WHERE id > ?"
            " AND id <= ? ORDER BY id")
_FIELDS = (ForkEvidence.author, ForkEvidence.author_seq, ForkEvidence.record, ForkEvidence.sig)
_COUNT_UP_TO = "SELECT COUNT(*) FROM fork_evidence WHERE id <= ?"
# The message and invite rows at runs of places [author, lo, hi] (an author's moved run is
# one): an index range each, where one lookup a place cost ~1.5 us at every scan.
_AT_SPANS = " UNION ALL ".join(
    f"SELECT {n}, t.rowid, t.author, t.author_seq, t.record, t.sig FROM json_each(?) AS j"
    f" JOIN {table} AS t ON t.author = json_extract(j.value, '$[0]') AND t.author_seq"
    " BETWEEN json_extract(j.value, '$[1]') AND json_extract(j.value, '$[2]')"
    for n, table in enumerate(("message", "invite")))


def _print(author: Any, aseq: Any, text: Any, sig: Any) -> Print:
    if isinstance(text, str):
        return (author, aseq, ("s", hashlib.sha256(text.encode("utf-8", "surrogatepass"))
                               .digest()), sig)
    if isinstance(text, bytes):  # a BLOB is read as text leniently: it may hold a record
        return (author, aseq, ("b", hashlib.sha256(text).digest()), sig)
    return (author, aseq, text, sig)


class EvidenceView:
    """One group file's `fork_evidence` as the scanner's last look found it."""

    def __init__(self) -> None:
        self.prints: dict[int, Print] = {}  # by row id
        self.own: dict[int, tuple[Place, str]] = {}  # rows holding their author's record
        self.at: dict[Place, dict[str, int]] = {}  # place -> hashes of those records there
        self.unknown: dict[int, tuple[str, bytes]] = {}  # own records not known at the look
        self.upto: int | None = None  # the last row read (None: none read yet)
        self.version: int | None = None
        self.generation = 0
        self.spans = _Spans()

    def holds(self, place: Place, digest: str) -> bool:
        return digest in self.at.get(place, ())

    def refresh(self, db: Any, group_id: str) -> None:
        """Up to date with the file, before the scan's walk (see the module's docstring)."""
        connection = db.connection()
        version = connection.execute("PRAGMA data_version").fetchone()[0]
        kept = self.upto is not None and version == self.version and self._unchanged(db)
        self.version = version
        if not kept:
            self._read_all(db, group_id)
        self.read_after(db, group_id)

    def _unchanged(self, db: Any) -> bool:
        assert self.upto is not None
        count = db.connection().execute(_COUNT_UP_TO, (self.upto,)).fetchone()[0]
        if count != len(self.prints):
            return False
        if self.upto not in self.prints:
            return True  # nothing was read: the count said it
        rows = self._rows(db, self.upto - 1, self.upto)
        return len(rows) == 1 and _print(*rows[0][1:]) == self.prints[self.upto]

    def _rows(self, db: Any, after: int | None, upto: int | None = None) -> Any:
        """(id, author, author_seq, record, sig) as stored of the rows after `after` (all:
        None) up to `upto`, in id order."""
        lower = after if after is not None else -(2 ** 63)
        return fetch_all(db, _BETWEEN, (lower, upto if upto is not None else 2 ** 63 - 1))

    def _read_all(self, db: Any, group_id: str) -> None:
        """Every row again, compared with what was kept: only a row that differs is opened."""
        seen: set[int] = set()
        changed = False
        for key, author, aseq, text, sig in self._rows(db, None, self.upto):
            seen.add(key)
            found = _print(author, aseq, text, sig)
            if self.prints.get(key) != found:
                changed = changed or key in self.prints
                self._forget(key)
                self._take(key, found, author, aseq, text, sig, group_id=group_id)
        for key in set(self.prints) - seen:
            changed = True
            self._forget(key)
            del self.prints[key]
        if self.upto is None:
            self.upto = max(self.prints, default=0)
        if changed:
            self.generation += 1
            self.spans = _Spans.of(self.at)

    def read_after(self, db: Any, group_id: str) -> None:
        """The rows written after the last one read (the walk's moves, evidence applied)."""
        for key, author, aseq, text, sig in self._rows(db, self.upto):
            self._take(key, _print(author, aseq, text, sig), author, aseq, text, sig,
                       group_id=group_id)
            self.upto = key

    def _take(self, key: int, found: Print, *stored: Any, group_id: str) -> None:
        """A row read for the first time, or changed: opened, with the model's conversions
        (the whole read's, core.raw)."""
        self.prints[key] = found
        author, aseq, text, sig = (field.python_value(value)
                                   for field, value in zip(_FIELDS, stored))
        record = own_record(author, aseq, text, sig, group_id)
        if record is None:
            return
        place = (author, aseq)
        self.own[key] = (place, record.hash)
        hashes = self.at.setdefault(place, {})
        if not hashes:
            self.spans.add(place)
        hashes[record.hash] = hashes.get(record.hash, 0) + 1
        self.unknown[key] = (record.text, record.sig)

    def _forget(self, key: int) -> None:
        self.unknown.pop(key, None)
        found = self.own.pop(key, None)
        if found is None:
            return
        place, digest = found
        hashes = self.at[place]
        hashes[digest] -= 1
        if not hashes[digest]:
            del hashes[digest]
        if not hashes:
            del self.at[place]  # the spans are made again by the caller

    def envelopes(self, db: Any, group_id: str, origin: str,
                  known: Callable[[str], bool] | None) -> list[Envelope]:
        """The records in fork_evidence that the federation may not have, then those of the
        message and invite tables at their places that it does not have (`_uncarried`)."""
        found = []
        for key in sorted(self.unknown):
            text, sig = self.unknown[key]
            if known is not None and known(self.own[key][1]):
                del self.unknown[key]  # known for good
            else:
                found.append(Envelope(group_id, "evidence", text, sig, None, origin))
        return found + self._uncarried(db, group_id, origin, known)

    def _uncarried(self, db: Any, group_id: str, origin: str,
                   known: Callable[[str], bool] | None) -> list[Envelope]:
        """The records of the message and invite tables at these places that the federation
        does not have, as evidence: one this relay refused for no rule of its own (the hub's
        clock: signed a day ahead) is half of a fork with the record kept beside it, and only
        where every host holds both is the verdict one (docs/relay.md, h-forkhalf). Asked
        only with `known`."""
        if known is None or not self.at:
            return []
        param = json.dumps(self.spans.listed())
        rows = db.execute_sql(_AT_SPANS, (param, param)).fetchall()
        found = []
        for _, _, author, seq, text, sig in sorted(rows, key=lambda row: (
                row[0], str(row[2]), row[3] if isinstance(row[3], int) else 0, row[1])):
            record = own_record(author, seq, None if text is None else text_of(text), sig,
                                group_id)
            if record is not None and not known(record.hash):
                found.append(Envelope(group_id, "evidence", record.text, record.sig, None,
                                      origin))
        return found


class _Spans:
    """The places that hold a record in fork_evidence, as runs [author, lo, hi]: a place added
    joins its neighbours' runs (a walk moves a run of places one below the other)."""

    def __init__(self) -> None:
        self.up: dict[Place, int] = {}  # (author, lo) -> hi
        self.down: dict[Place, int] = {}  # (author, hi) -> lo

    @classmethod
    def of(cls, places: dict[Place, Any]) -> _Spans:
        spans = cls()
        for place in places:  # in any order: each joins the runs beside it
            spans.add(place)
        return spans

    def add(self, place: Place) -> None:
        author, seq = place  # an own record's: an int (chain_rules.own_record)
        lo = hi = seq
        if (author, seq - 1) in self.down:
            lo = self.down.pop((author, seq - 1))
            del self.up[(author, lo)]
        if (author, seq + 1) in self.up:
            hi = self.up.pop((author, seq + 1))
            del self.down[(author, hi)]
        self.up[(author, lo)] = hi
        self.down[(author, hi)] = lo

    def listed(self) -> list[list[Any]]:
        return [[author, lo, hi] for (author, lo), hi in self.up.items()]


__all__ = ["EvidenceView"]
