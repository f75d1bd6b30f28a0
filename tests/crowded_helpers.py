"""Many records aimed at one message (issue 15), written into a real group file: genuine
reactions toggled by one writer, signed as `peers react` signs them, and junk edits inserted
with sqlite3 (tests/core/test_many_changes.py, tests/tui/test_many_changes_tui.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from peers_tui.core.encoding import now_ms, record_hash
from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.core.kinds import RecordKind
from peers_tui.testing.forge import Forger
from tests.conftest import User

TOGGLES = 2001  # bob's 👍 on, off, on, ...: on at the end
JUNK = 5000
ROW = ("id", "author", "author_seq", "kind", "created_at", "body", "record", "sig", "target")


def toggles(forger: Forger, path: Path, group: str, target: str, count: int,
            emoji: str = "👍") -> None:
    """`count` genuine reactions by `forger`, each the opposite of the one before, signed as
    `peers react` signs them, inserted in one transaction (a send each would take minutes)."""
    signed(forger, path, group, target, [{"type": "react", "body": emoji, "on": i % 2 == 0}
                                         for i in range(count)])


def signed(forger: Forger, path: Path, group: str, target: str,
           changes: list[dict]) -> None:
    """Changes of `target` signed by `forger` as a client signs them (each a link of its
    chain after the last), inserted in one transaction."""
    seq, prev = forger.chain_head(path)
    mseq = forger.membership_head(path)[0]
    start, rows = now_ms(), []
    for i, fields in enumerate(changes):
        t = start + i
        message_id = ulid_text(new_ulid(t))
        record = forger.sign(RecordKind.MSG, group, {
            "id": message_id, "mseq": mseq, "aseq": seq + 1 + i, "aprev": prev,
            "target": target, **fields}, t=t)
        prev = record_hash(record.text)
        rows.append((message_id, forger.user_id, seq + 1 + i, fields["type"], t,
                     fields.get("body", ""), record.text, record.sig, target))
    insert(path, rows)


def insert(path: Path, rows: list[tuple]) -> None:
    with sqlite3.connect(path) as conn:
        conn.executemany(f"INSERT INTO message ({', '.join(ROW)}) VALUES"
                         f" ({', '.join('?' * len(ROW))})", rows)


def junk_edits(path: Path, edit_id: str, count: int) -> None:
    """`count` rows written with sqlite3 that claim to be edits of the message `edit_id`
    edits, each with an id after it (the latest, if any were genuine): copies of the genuine
    edit's record under new ids and bodies, and texts that are no record at all."""
    with sqlite3.connect(path) as conn:
        genuine = conn.execute(f"SELECT {', '.join(ROW)} FROM message WHERE id = ?",
                               (edit_id,)).fetchone()
    rows = []
    for i in range(count):
        row = list(genuine)
        row[0] = "7" + genuine[0][1:-5] + f"{i:05d}"  # after every id peers makes today
        row[2] = 100_000 + i  # one place each: the file's UNIQUE (author, author_seq)
        row[5] = f"junk {i}"
        if i % 2:
            row[6] = "{not a record " + str(i)
        rows.append(tuple(row))
    insert(path, rows)


def crowd(alice: User, bob: User, team: str) -> dict[str, str]:
    """alice's "target" (edited once by her), 2,001 toggles of bob's 👍 on it and 5,000 junk
    edits of it, written into alice's file."""
    path = alice.hub / f"{team}.db"
    target = alice.ok("send", "team", "target").out.strip()
    alice.ok("edit", "team", target, "target, edited")
    with sqlite3.connect(path) as conn:
        [(edit_id,)] = conn.execute("SELECT id FROM message WHERE kind = 'edit'").fetchall()
    toggles(Forger(bob.home), path, team, target, TOGGLES)
    junk_edits(path, edit_id, JUNK)
    return {"target": target, "edit": edit_id}


