"""What `peers verify` says of the rows of `fork_evidence` that are no record of their author's
at their place: a relay sets such a row of the message table aside there when a genuine
record from another host arrives at its place (relay/junk_places.py: one row a place, and a
row that does not verify holds none), and anyone who writes the file may put one there.
Nothing counts them (every reader verifies what it finds there: chain_rules.by_hash,
core.forks), but they are never dropped silently (DESIGN: "unverified records are never
dropped silently"): each is named with why it is no record of its author's, as it was
where it stood before, and its place does not count as held in its author's chain.
"""

from __future__ import annotations

import json
from typing import Any

from peers_tui.core.chain_rules import CHAINED_KINDS, own_record
from peers_tui.core.models import ForkEvidence, tuples
from peers_tui.core.raw_values import open_stored, text_of
from peers_tui.core.kinds import RecordKind
from peers_tui.core.records import RecordError, SignedRecord
from peers_tui.core.views import Problem


def evidence_rows(group_id: str) -> tuple[list[tuple[Any, Any]], list[Problem]]:
    """The places of `fork_evidence` rows that are their author's records there, and a
    problem for each row that is not. Inside a session of the group file."""
    places: list[tuple[Any, Any]] = []
    problems: list[Problem] = []
    for key, author, aseq, text, sig in tuples(ForkEvidence.select(
            ForkEvidence.id, ForkEvidence.author, ForkEvidence.author_seq, ForkEvidence.record,
            ForkEvidence.sig)):
        text = None if text is None else text_of(text)
        record = own_record(author, aseq, text, sig, group_id)
        if record is not None:
            places.append((author, aseq))
            problems.extend(_lost_id(record, group_id))
        else:
            problems.append(Problem(_label(key, text), f"{_why(author, aseq, text, sig, group_id)}"
                                    " (set aside: holds no place)"))
    return places, problems


def _lost_id(record: SignedRecord, group_id: str) -> list[Problem]:
    """A genuine message record set aside because another record holds its message id (the
    hub's order decides which: relay/hub_holds_id.py), or a change of such an id, by the
    author set aside, that another author's record holds. The same line on every host."""
    data = record.data
    if record.kind != RecordKind.MSG or not isinstance(data.get("id"), str):
        return []
    db = ForkEvidence._meta.database
    aseq = data.get("aseq")
    held = [(text_of(text), author, seq) for text, author, seq in db.execute_sql(
        "SELECT record, author, author_seq FROM message WHERE id = ?", (data["id"],))]
    if held and all(text != record.text and (author, seq) != (record.author, aseq)
                    for text, author, seq in held):  # (the same place: a fork, core.forks)
        return [Problem(f"message {data['id']}", "another record holds this message id (set"
                        " aside: holds its place in its author's chain)")]
    target = data.get("target")
    if not isinstance(target, str) or db.execute_sql(
            "SELECT 1 FROM message WHERE id = ? AND target IS NULL AND author != ?",
            (target, record.author)).fetchone() is None:
        return []
    own = db.execute_sql("SELECT author_seq, record, sig FROM fork_evidence WHERE author = ?"
                         " AND json_valid(record) AND json_extract(record, '$.id') = ?",
                         (record.author, target)).fetchall()
    if not any(own_record(record.author, seq, text_of(text), sig, group_id)
               for seq, text, sig in own):  # their own record of that id set aside
        return []
    return [Problem(f"message {data['id']}", f"changes message {target}, whose id another"
                    " author's record holds (set aside: holds its place in its author's chain)")]


def junk_after(group_id: str, after: int) -> tuple[list[tuple[str, bytes, str]], int]:
    """The rows of `fork_evidence` after id `after` that are no record of their author's,
    each (text, signature, why "(set aside: holds no place)"), and the table's last id: what
    a relay's scan refuses as written into its host's file (relay/rows.py), once each: the
    next scan starts after that id (from the first again if the table ends before it: the
    file was made anew). Inside a session of the group file."""
    db = ForkEvidence._meta.database  # plain SQL: a scan runs after every local write
    junk: list[tuple[str, bytes, str]] = []
    top = db.execute_sql("SELECT COALESCE(MAX(id), 0) FROM fork_evidence").fetchone()[0]
    last = after = after if top >= after else 0  # fewer rows than seen: another file, read anew
    for key, author, aseq, text, sig in db.execute_sql(
            "SELECT id, author, author_seq, record, sig FROM fork_evidence WHERE id > ?"
            " ORDER BY id", (after,)).fetchall():
        last = max(last, key)
        text = text_of(text)
        if own_record(author, aseq, text, sig, group_id) is None:
            signature = bytes(sig) if isinstance(sig, (bytes, bytearray, memoryview)) else b""
            junk.append((text, signature, f"{_why(author, aseq, text, sig, group_id)}"
                                          " (set aside: holds no place)"))
    return junk, last


def _label(key: Any, text: str | None) -> str:
    """The record's own name where its text gives one ("message <id>"), else the row's."""
    try:
        data = json.loads(text) if text is not None else None
    except (ValueError, RecursionError):
        data = None
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        return f"message {data['id']}"
    if isinstance(data, dict) and isinstance(data.get("key"), str):
        return f"invite {data['key'][:8]}"
    return f"row {key} of fork_evidence"


def _why(author: Any, aseq: Any, text: str | None, sig: Any, group_id: str) -> str:
    try:
        record = open_stored(text, sig, group_id=group_id, kind=CHAINED_KINDS)
    except RecordError as exc:
        return str(exc)
    if record.author != author:
        return "signed by another key than its author's"
    if record.data.get("aseq") != aseq:
        return "another place of its author's chain than the one it is filed at"
    return "signing time out of range (before 1970 or after 9998)"


__all__ = ["evidence_rows", "junk_after"]
