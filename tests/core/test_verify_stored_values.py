"""`peers verify` reads every row's values as stored: text that is not UTF-8 and values of
another SQL type than their column declares are judged exactly as the reader judges them
(its models' connection decodes text leniently and its fields convert the rest), in the
workers and in one process, and the parent's read of every author's places gives what
Peewee's gives. These guard the shortcuts of those reads (core.bulk_verify, core.audit)."""

from __future__ import annotations

import sqlite3

import pytest

from peers_tui.core import altered_places, bulk_verify, window_rows
from peers_tui.core.models import Invite, Message, tuples
from tests.conftest import User
from tests.core.test_verify_scale import conn, import_lines, reader_verdicts, store_of

BAD_UTF8 = "CAST(X'6f6bff20c328fe' AS TEXT)"  # 'ok', then bytes no UTF-8 text holds
# Every text column of a message row, given bytes that are not UTF-8 (the rowid: spread
# over the windows, away from the first rows the parent reads).
NOT_UTF8 = {"id": 401, "author": 1_402, "kind": 2_403, "body": 3_404, "record": 4_405,
            "reply_to": 5_406, "orig_id": 6_407}
# Values of another type than declared, which the column's affinity keeps as written.
RETYPED = {"body": (7_001, "CAST(body AS BLOB)"), "record": (7_502, "CAST(record AS BLOB)"),
           "sig": (8_003, "'not binary'"), "author_seq": (8_504, "author_seq + 0.5"),
           "created_at": (9_005, "'soon'"), "id": (9_506, "CAST(id AS BLOB)"),
           "author": (9_807, "CAST(author AS BLOB)"), "reply_to": (10_108, "X'00'")}
REFUSED = ("sig", "author_seq", "created_at", "reply_to")


def _large_group(user: User):
    group_id = user.ok("create", "big").out.strip()
    account, _, store = store_of(user, "big")
    count = bulk_verify.PARALLEL_FROM + 500
    assert account.import_history("big", import_lines(count, "big")).added == count
    return group_id, store


@pytest.mark.timeout(300)
def test_text_that_is_not_utf8_is_judged_as_the_reader_judges_it(alice: User):
    group_id, store = _large_group(alice)
    with conn(alice, group_id) as db:
        for column, rowid in NOT_UTF8.items():
            db.execute(f"UPDATE message SET {column} = {BAD_UTF8} WHERE rowid = ?", (rowid,))
        # a bad byte in the signed text's own body: the signature no longer holds
        db.execute("UPDATE message SET record = CAST(replace(record, 'line', X'ff') AS TEXT)"
                   " WHERE rowid = 4999")
    expected = reader_verdicts(store)
    assert len(expected) >= len(NOT_UTF8), expected  # (each row, and what follows some)
    assert "bad signature" in {problem.reason for problem in expected}
    roster = store.roster()
    assert bulk_verify.check_messages(store, roster, workers=2) == expected
    assert bulk_verify.check_messages(store, roster, workers=0) == expected
    result = alice.run("verify", "big")
    assert result.code == 1 and "Traceback" not in result.out + result.err
    # verify tells a place whose row is altered here as such (core.altered_before), where
    # the raw verdict says "history deleted": the same records, in its words
    lines = [line.replace(altered_places.ALTERED, altered_places.DELETED)
             for line in result.lines if ": message " in line]
    assert lines == [f"FAILED  big ({group_id[:10]}): {problem.where}: {problem.reason}"
                     for problem in expected if problem.where.startswith("message ")]


@pytest.mark.timeout(300)
def test_values_of_another_type_are_judged_as_the_reader_judges_them(alice: User):
    group_id, store = _large_group(alice)
    with conn(alice, group_id) as db:
        for column, (rowid, value) in RETYPED.items():
            db.execute(f"UPDATE message SET {column} = {value} WHERE rowid = ?", (rowid,))
            [(stored,)] = db.execute(f"SELECT typeof({column}) FROM message WHERE rowid = ?",
                                     (rowid,))
            assert stored in ("blob", "real", "text"), (column, stored)
        ids = {rowid: message_id for rowid, message_id in db.execute(
            "SELECT rowid, CAST(id AS TEXT) FROM message")}
    expected = reader_verdicts(store)
    named = {problem.where for problem in expected}
    for column in REFUSED:  # (the fields read the others back as the values signed)
        assert f"message {ids[RETYPED[column][0]]}" in named, (column, expected)
    roster = store.roster()
    assert bulk_verify.check_messages(store, roster, workers=2) == expected
    assert bulk_verify.check_messages(store, roster, workers=0) == expected


def test_places_of_authors_not_utf8_are_what_peewee_reads(alice: User):
    """The parent's read of every author's places (core.audit Audit._chains): an author
    whose text is not UTF-8, in a message row and in an invite row, reads as Peewee's
    connection reads it, and its places count as Peewee's would."""
    group_id = alice.ok("create", "g").out.strip()
    for n in range(5):
        alice.ok("send", "g", f"line {n}")
    alice.ok("invite", "g")
    account, _, store = store_of(alice, "g")
    with sqlite3.connect(alice.hub / f"{group_id}.db") as db:
        rows = [rowid for (rowid,) in db.execute("SELECT rowid FROM message ORDER BY rowid")]
        db.execute(f"UPDATE message SET author = {BAD_UTF8} WHERE rowid = ?", (rows[2],))
        db.execute(f"UPDATE message SET author = {BAD_UTF8}, author_seq = 99 WHERE rowid = ?",
                   (rows[3],))
        db.execute(f"UPDATE invite SET author = {BAD_UTF8}")
    with store.file.session():
        expected: dict[str, list[int]] = {}
        for table in (Message, Invite):
            for author, aseq in tuples(table.select(table.author, table.author_seq)):
                if isinstance(author, str) and isinstance(aseq, int) and not isinstance(aseq, bool):
                    expected.setdefault(author, []).append(aseq)
        chains = store.audit._chains(store.roster())
    assert {author: sorted(seqs) for author, seqs in chains.positions.items()} == {
        author: sorted(seqs) for author, seqs in expected.items()}
    assert "ok\ufffd \ufffd(\ufffd" in expected
    result = alice.run("verify", "g")
    assert result.code == 1 and "Traceback" not in result.out + result.err
    assert any(line.endswith("records are missing (history deleted)") for line in result.lines)


def test_a_stored_row_reads_alike_with_its_values_checked_in_python(alice: User):
    """window_rows.stored_rows (also the relay's read back of a batch) gives each row as the
    models give it, whatever SQL type each value was stored as."""
    group_id = alice.ok("create", "g").out.strip()
    for n in range(3):
        alice.ok("send", "g", f"line {n}")
    _, _, store = store_of(alice, "g")
    with sqlite3.connect(alice.hub / f"{group_id}.db") as db:
        db.execute("UPDATE message SET created_at = CAST(created_at AS TEXT), body = X'6869'"
                   " WHERE rowid = 2")
        db.execute(f"UPDATE message SET author_seq = 2.5, kind = {BAD_UTF8} WHERE rowid = 3")
    with store.file.session():
        rows = window_rows.stored_rows(store.file.db, "target IS NULL", ())
        models = list(Message.with_rowid().where(Message.target.is_null()).order_by(Message.id))
    by_rowid = {row.rowid: row for row in rows}
    for model in models:
        row = by_rowid[model.rowid]
        for field in window_rows.FIELDS:
            name = field.name
            assert (getattr(row, name), type(getattr(row, name))) == (
                getattr(model, name), type(getattr(model, name))), (model.rowid, name)
    assert isinstance(by_rowid[2].created_at, int) and by_rowid[3].author_seq == 2.5


def test_verify_opens_the_group_file_once(alice: User, monkeypatch: pytest.MonkeyPatch):
    """`peers verify`'s own process opens a group file once for all its reads of it (the
    membership log, the invites, the rows' ids, every author's places, the orphans), not
    once a read: each opening checks the file, runs its PRAGMAs and reads the schema."""
    group_id = alice.ok("create", "g").out.strip()
    for n in range(3):
        alice.ok("send", "g", f"line {n}")
    _, _, store = store_of(alice, "g")
    store.roster()  # (the store's first session prepares the file: not verify's)
    opened: list[str] = []
    connect = sqlite3.connect

    def counted(database: str, *args: object, **kwargs: object) -> sqlite3.Connection:
        if group_id in str(database):
            opened.append(str(database))
        return connect(database, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", counted)
    assert store.verify() == []
    assert len(opened) == 1, opened
