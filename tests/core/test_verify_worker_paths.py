"""The shortcuts a `peers verify` worker takes (core.bulk_verify) skip no check: it remembers
no signature it verified, hashes with OpenSSL's SHA-256, finds a record it opened by its text,
and compares a row's columns with its record's in one go. Each test here fails if the check
behind the shortcut is dropped."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest
from hypothesis import given, settings, strategies as st

from peers_tui.core import bulk_verify, encoding, identity, opened_records
from peers_tui.core.account import Account
from peers_tui.core.encoding import record_hash
from peers_tui.core.identity import Keypair, remember_verified, verify_signature
from peers_tui.core.ids import ulid_text
from peers_tui.core.kinds import RecordKind
from peers_tui.core.message_rules import COLUMNS
from peers_tui.core.records import RecordError, SignedRecord, sign
from peers_tui.core.views import Problem
from tests.conftest import User

EDITED = "row does not match its signed record (edited in the file)"


def test_a_worker_that_remembers_nothing_still_refuses_a_forged_signature():
    keypair = Keypair.generate()
    message = b"the text signed"
    signature = keypair.sign(message)
    forged = bytes([signature[0] ^ 1]) + signature[1:]
    remembered = len(identity._VERIFIED)
    remember_verified(False)
    try:
        assert verify_signature(keypair.public_id, message, signature)
        assert not verify_signature(keypair.public_id, message, forged)
        assert not verify_signature(keypair.public_id, message + b"!", signature)
        assert not verify_signature(Keypair.generate().public_id, message, signature)
        assert not verify_signature(keypair.public_id, message, signature[:63])  # no traceback
        assert len(identity._VERIFIED) == remembered  # nothing kept
    finally:
        remember_verified(True)


def test_openssl_sha256_hashes_records_as_before(monkeypatch: pytest.MonkeyPatch):
    text = '{"a":"x","body":"caf\u00e9 \u2603","k":"msg"}'
    before = record_hash(text)
    monkeypatch.setattr(encoding, "sha256", encoding.sha256)  # put back after the test
    encoding.use_openssl_sha256()
    assert encoding.sha256.__name__ == "openssl_sha256"
    assert record_hash(text) == before


def test_a_kept_record_is_not_taken_for_other_bytes(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(opened_records, "_by_text", type(opened_records._by_text)())
    keypair = Keypair.generate()
    group = "g" * 26
    record = sign(keypair, RecordKind.MSG, group, {"type": "text", "body": "hi"})
    assert opened_records.open_message(record.text, record.sig, group_id=group,
                                       kind=RecordKind.MSG) == record
    assert opened_records.opened(record.text) is not None  # kept: the next ones are lookups
    forged = bytes([record.sig[0] ^ 1]) + record.sig[1:]
    with pytest.raises(RecordError, match="bad signature"):
        opened_records.open_message(record.text, forged, group_id=group, kind=RecordKind.MSG)
    with pytest.raises(RecordError, match="bad signature"):
        opened_records.open_link(record.text, forged, group_id=group, kinds=(RecordKind.MSG,))
    with pytest.raises(RecordError, match="another group"):
        opened_records.open_message(record.text, record.sig, group_id="h" * 26,
                                    kind=RecordKind.MSG)
    with pytest.raises(RecordError, match="where invite was expected"):
        opened_records.open_link(record.text, record.sig, group_id=group,
                                 kinds=(RecordKind.INVITE,))
    found = opened_records.open_link(record.text, record.sig, group_id=group,
                                     kinds=(RecordKind.MSG,))
    assert found == (record, record_hash(record.text))


EDITS = {"id": "'01AAAAAAAAAAAAAAAAAAAAAAAA'", "author": "'someone else'",
         "author_seq": "author_seq + 1000000", "kind": "'action'", "body": "'not what was signed'",
         "reply_to": "'01BBBBBBBBBBBBBBBBBBBBBBBB'", "orig_id": "'elsewhere-1'",
         "created_at": "created_at + 1"}


def test_every_column_but_the_target_is_an_edit():
    # (a target given to a message moves it out of the log: its own rule, tests elsewhere)
    assert set(EDITS) == set(COLUMNS) - {"target"}


def test_a_row_edited_in_any_column_is_reported_by_the_workers_too(alice: User):
    group_id = alice.ok("create", "big").out.strip()
    account = Account(alice.home, alice.hub)
    lines = [f'{{"id": "x-{i}", "author": "old", "body": "line {i}", '
             f'"created_at": {1_600_000_000 + i}}}' for i in range(bulk_verify.PARALLEL_FROM + 500)]
    assert account.import_history("big", lines).added == len(lines)
    edited = []
    with sqlite3.connect(alice.hub / f"{group_id}.db") as db:
        for n, column in enumerate(sorted(EDITS)):  # rows in the middle of the windows
            rowid = 300 + n * 1_234
            db.execute(f"UPDATE message SET {column} = {EDITS[column]} WHERE rowid = ?", (rowid,))
            [(message_id,)] = db.execute("SELECT id FROM message WHERE rowid = ?", (rowid,))
            edited.append(Problem(f"message {message_id}", EDITED))
    store = account.store(account.resolve("big"))
    found = bulk_verify.check_messages(store.file, store.roster(), workers=2)
    assert [problem for problem in found if problem.reason == EDITED] == sorted(
        edited, key=lambda problem: problem.where), found


TEXTS = ['{"a":1}', '{"a":1} ', ' {"a":1}', '{"a":1}x', '{"a":1}{"b":2}', '{"a":1,"a":2}',
         '{"a":{"b":1,"b":2}}', '{', '{"a":NaN}', '[1]', '', '{"a":"\\ud800"}', '{}']


@pytest.mark.parametrize("text", TEXTS)
def test_a_record_text_reads_as_the_decoder_reads_it(text: str):
    """records._decode takes the C scanner for a text that is one object: whatever the text,
    the same value or the same error as the decoder's own `decode`."""
    from peers_tui.core import records

    def outcome(decode: Callable[[str], object]) -> tuple[object, ...]:
        try:
            return ("value", decode(text))
        except Exception as exc:  # noqa: BLE001 - the error itself is compared
            return ("error", type(exc), str(exc))

    assert outcome(records._decode) == outcome(records._DECODER.decode)


def _fields_checked_before(record: SignedRecord) -> str | None:
    """expected_columns' field check as it was written before the fields were worked out
    once a kind: the reference the new one must agree with."""
    data = record.data
    kind = data.get("type")
    fields: dict[str, type] = {"id": str, "type": str, "mseq": int, "aseq": int, "aprev": str}
    if kind in ("text", "action", "topic", "imported", "edit", "react"):
        fields["body"] = str
    if kind in ("edit", "delete", "react"):
        fields["target"] = str
    if kind == "imported":
        fields.update(orig_id=str, orig_author=str, orig_time=int)
    for name, expected in fields.items():
        if not isinstance(data.get(name), expected) or isinstance(data.get(name), bool):
            return f"malformed {kind or 'message'} record (field {name})"
    return None


FULL = {"id": "01AAAAAAAAAAAAAAAAAAAAAAAA", "mseq": 0, "aseq": 1, "aprev": "", "body": "hi",
        "target": "01BBBBBBBBBBBBBBBBBBBBBBBB", "orig_id": "o-1", "orig_author": "ana",
        "orig_time": 5}


@pytest.mark.parametrize("kind", ["text", "action", "topic", "imported", "edit", "delete",
                                  "react", "other", "", 5, True, None, ["text"]])
def test_a_message_record_missing_or_mistyping_a_field_is_refused_as_before(kind: object):
    from peers_tui.core.message_rules import expected_columns

    cases = [dict(FULL, type=kind)]
    for name in [*FULL, "type"]:
        for bad in (None, True, 1.5, "x", 7):
            case = dict(FULL, type=kind)
            if bad is None:
                case.pop(name)
            else:
                case[name] = bad
            cases.append(case)
    for data in cases:
        record = SignedRecord("{}", b"", None, {"a": "someone", "t": 1, **data})
        before = _fields_checked_before(record)
        try:
            expected_columns(record)
            now = None
        except RecordError as exc:
            now = str(exc)
        if before is not None:
            assert now == before, data
        else:
            assert now is None or "(field " not in now, data


ULID_CHARS = "0123456789ABCDEFGHJKMNPQRSTVWXYZabhjkmzILOU-_ \u0660"


def _canonical_before(text: object) -> int | None:
    """chain_rules' id check as it was: decode, then encode and compare."""
    from peers_tui.core.ids import ulid_text, ulid_value

    try:
        value = ulid_value(str(text))
    except ValueError:
        return None
    return value if ulid_text(value) == text else None


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(ULID_CHARS, min_size=24, max_size=28),
                 st.integers(0, (1 << 128) - 1).map(ulid_text),
                 st.sampled_from([None, 5, b"01AAAAAAAAAAAAAAAAAAAAAAAA", "8" + "0" * 25,
                                  "7ZZZZZZZZZZZZZZZZZZZZZZZZZ", "01aaaaaaaaaaaaaaaaaaaaaaaa"])))
def test_a_message_id_is_canonical_exactly_when_it_was(text: object):
    """ids.canonical_ulid_value (one check, no decode and encode) takes exactly the ids the
    rules took before, with the same value; every other id goes the old way, which says why."""
    from peers_tui.core.ids import canonical_ulid_value

    assert canonical_ulid_value(text) == _canonical_before(text)


def test_fields_of_a_subclass_of_their_type_are_taken_as_before():
    """expected_columns checks exact types in C first; a value of a subclass (no JSON parse
    makes one, a caller might) is judged by the loop, as before: taken, a bool refused."""
    from peers_tui.core.message_rules import expected_columns

    class Text(str):
        pass

    class Number(int):
        pass

    data = dict(FULL, type="imported", id=Text(FULL["id"]), aseq=Number(1), orig_time=Number(5))
    record = SignedRecord("{}", b"", None, {"a": "someone", "t": 1, **data})
    assert _fields_checked_before(record) is None
    assert expected_columns(record)["author_seq"] == 1
    with pytest.raises(RecordError, match=r"\(field aseq\)"):
        expected_columns(SignedRecord("{}", b"", None, {"a": "x", "t": 1, **dict(data, aseq=True)}))


def test_a_window_keeps_nothing_and_the_next_still_finds_its_chain(
        alice: User, monkeypatch: pytest.MonkeyPatch):
    """A judged window lets go of the records it opened (core.opened_records.forget); the
    row after it, whose predecessor was one of them, opens that again: windows of 7 rows
    give the verdicts of one window of them all, a zeroed signature and a row edited in the
    file named, their successors' chains intact or broken as before."""
    alice.ok("create", "small")
    account = Account(alice.home, alice.hub)
    lines = [f'{{"id": "s-{i}", "author": "old", "body": "line {i}", '
             f'"created_at": {1_600_000_000 + i}}}' for i in range(60)]
    assert account.import_history("small", lines).added == len(lines)
    store = account.store(account.resolve("small"))
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE message SET sig = zeroblob(64) WHERE rowid = 14")  # last of a window
        db.execute("UPDATE message SET body = 'edited' WHERE rowid = 29")  # first of a window
    roster = store.roster()
    monkeypatch.setattr(bulk_verify, "WINDOW", 100)
    whole = bulk_verify.check_messages(store, roster, workers=0)
    assert len(whole) >= 2, whole
    monkeypatch.setattr(bulk_verify, "WINDOW", 7)
    opened_records.forget()
    assert bulk_verify.check_messages(store, roster, workers=0) == whole
    assert opened_records.opened(str(lines[0])) is None and not opened_records._by_text


def test_the_places_read_plainly_are_what_peewee_reads(alice: User):
    """`Audit._chains` reads every row's (author, author_seq) with plain SQL, converting only
    rows whose stored types are not the declared ones: the places (and so the chain gaps
    verify names) must be exactly those Peewee's field conversions gave, retyped rows included."""
    from peers_tui.core.models import Invite, Message, tuples

    group_id = alice.ok("create", "g").out.strip()
    for n in range(6):
        alice.ok("send", "g", f"line {n}")
    account = Account(alice.home, alice.hub)
    store = account.store(account.resolve("g"))
    with sqlite3.connect(alice.hub / f"{group_id}.db") as db:
        rows = [rowid for (rowid,) in db.execute("SELECT rowid FROM message ORDER BY rowid")]
        # (the columns' affinities turn a number's text back into an integer, and an
        # integer author into text: these are the types that stay as written)
        retyped = ["author_seq + 0.5", "CAST(author_seq AS BLOB)", "'x' || author_seq"]
        for rowid, value in zip(rows[1:], retyped):
            db.execute(f"UPDATE message SET author_seq = {value} WHERE rowid = ?", (rowid,))
        db.execute("UPDATE message SET author = CAST('blob-author' AS BLOB) WHERE rowid = ?",
                   (rows[-1],))
        [(stored,)] = db.execute("SELECT typeof(author) FROM message WHERE rowid = ?", (rows[-1],))
        assert stored == "blob"
    with store.file.session():
        expected: dict[str, list[int]] = {}
        for table in (Message, Invite):
            for author, aseq in tuples(table.select(table.author, table.author_seq)):
                if isinstance(author, str) and isinstance(aseq, int) and not isinstance(aseq, bool):
                    expected.setdefault(author, []).append(aseq)
        chains = store.audit._chains(store.roster())
    assert chains.positions == expected
    assert "blob-author" in expected  # a blob author reads as text through the field
