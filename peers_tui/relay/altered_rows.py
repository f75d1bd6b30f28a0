"""A genuine record whose row was altered in place before it was sent: a record of the log
everywhere, not a void record (docs/relay.md, "An altered unsent row, and the quarantine by
group"; edits, deletions, reactions and invites: "Left open, closed (h-left15)").

Its author's host has the record in the row's `record` and `sig` columns, untouched, and other
columns (the body, say) changed in the file: an UPDATE by anyone able to write it, or a disk
mishap. Readers flag the row (`[UNVERIFIED: row does not match its signed record]`) and
`peers verify` names it, as for a row altered after it was sent; the relay's scan refuses the
row ("edited in the file"). When the author's next record names it, the scan moved it into
`fork_evidence` as a void record (chain_evidence.py) and shipped it as evidence, which the other
hosts took as the message it is (or, an invite, kept as evidence too): the hosts disagreed on
one genuine record. A record's verdict is a function of signed data alone, so the row is
judged as it would be with its record's own columns (written in a savepoint, judged as the
scan judges its rows, rolled back): genuine, it stays in the log and its record is shipped
as what it is; void on its own, it is moved as before. Only a row under its record's own id
(a message's, a change's: judged with its target) or key (an invite's); a copy under another
is refused, as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from peers_tui.core.encoding import record_hash
from peers_tui.core.group_store import GroupStore
from peers_tui.core.kinds import RecordKind
from peers_tui.core.membership import Roster
from peers_tui.core.message_rules import COLUMNS, columns_in_order
from peers_tui.core.chain_rules import chain_fields
from peers_tui.core.models import Invite, Message
from peers_tui.core.opened_records import columns_of, open_message
from peers_tui.core.raw import text_of
from peers_tui.core.records import RecordError, open_record
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.scan_verdicts import genuine_invite_digests, judge_messages


def own_columns(store: GroupStore, text: str, sig: Any, row_id: str) -> dict[str, Any] | None:
    """The record's own columns for the message row `row_id` holding it, when the record is
    its group's message record (a message or a change of one) under that id; else None."""
    try:
        record = open_message(text, bytes(sig or b""), group_id=store.group_id,
                              kind=RecordKind.MSG)
        columns = columns_of(record)
    except RecordError:
        return None
    if columns["id"] != row_id:
        return None  # a copy under another id: as before
    return dict(columns)


def restored_columns(store: GroupStore, text: str, sig: Any, row_id: str) -> dict[str, Any] | None:
    """`own_columns` when some column of the row differs from them; else None."""
    columns = own_columns(store, text, sig, row_id)
    if columns is None:
        return None
    row = Message.get_or_none(Message.id == row_id)
    if row is None or columns_in_order(row) == tuple(columns[name] for name in COLUMNS):
        return None
    return columns


def genuine_when_restored(store: GroupStore, roster: Roster, text: str, sig: Any,
                          row_id: str) -> bool:
    """Whether the message row `row_id` is genuine with its record's own columns, whatever
    its columns hold now (inside the store's session; the file is left as it was). A row put
    back by `restore_altered` is genuine, whatever the relay refused earlier."""
    columns = own_columns(store, text, sig, row_id)
    if columns is None:
        return False
    with store.db.atomic() as savepoint:
        Message.update(**{name: columns[name] for name in COLUMNS if name != "id"}).where(
            Message.id == row_id).execute()
        rows = list(Message.with_rowid().where(Message.id == row_id))
        genuine = bool(rows) and all(problem is None for _, problem in judge_messages(
            store, roster, rows, ""))
        savepoint.rollback()
    return genuine


def invite_columns(store: GroupStore, text: Any, sig: Any) -> dict[str, Any] | None:
    """The looked-up columns of an invite row that its record fixes, or None when the text
    is no invite record of the group."""
    try:
        record = open_record(text_of(text), bytes(sig or b""), group_id=store.group_id,
                             kind=(RecordKind.INVITE, RecordKind.REVOKE))
        aseq, _, _ = chain_fields(record)
    except RecordError:
        return None
    return {"key": record.data.get("key"), "kind": record.kind, "author": record.author,
            "author_seq": aseq}


def invite_genuine_when_restored(store: GroupStore, text: Any, sig: Any, row_id: int) -> bool:
    """Whether the invite row `row_id` is a genuine invite with its record's own columns
    (inside the store's session; the file is left as it was)."""
    columns = invite_columns(store, text, sig)
    if columns is None:
        return False
    with store.db.atomic() as savepoint:
        Invite.update(**columns).where(Invite.id == row_id).execute()
        genuine = record_hash(text_of(text)) in genuine_invite_digests(store, store.roster())
        savepoint.rollback()
    return genuine


# An invite row at a place of its author's chain, by its columns or by its record's own (a
# row whose author or place column was altered; invites are few, so the scan is cheap).
_MESSAGES_AT = "SELECT id, record, sig FROM message WHERE author = ? AND author_seq = ?"
_INVITES_AT = ("SELECT id, record, sig FROM invite WHERE (author = ?1 AND author_seq = ?2) OR ("
               "json_valid(record) AND json_extract(record, '$.a') = ?1"
               " AND json_extract(record, '$.aseq') = ?2)")


def rows_at(store: GroupStore, author: str, aseq: int) -> list[tuple[bool, Any, str, Any]]:
    """(a message row?, its id, its record's text, its signature) of each message or invite
    row of this file holding a record of `author` at `aseq` (inside the store's session)."""
    found: list[tuple[bool, Any, str, Any]] = []
    for row_id, text, sig in store.db.execute_sql(_MESSAGES_AT, (author, aseq)).fetchall():
        found.append((True, row_id, text_of(text), sig))
    for row_id, text, sig in store.db.execute_sql(_INVITES_AT, (author, aseq)).fetchall():
        found.append((False, row_id, text_of(text), sig))
    return found


def altered_row_genuine(store: GroupStore, roster: Roster, author: str, aseq: int,
                        digest: str) -> bool:
    """Whether the record `digest` of `author` at `aseq` is held here by a row altered in
    place whose record is genuine with its own columns (the scan sends what names it:
    over_gap.py, and ships the record with it: chain_evidence.move_named_void)."""
    for message, row_id, text, sig in rows_at(store, author, aseq):
        if not isinstance(text, str) or record_hash(text) != digest:
            continue
        if message and restored_columns(store, text, sig, str(row_id)) is not None:
            return genuine_when_restored(store, roster, text, sig, str(row_id))
        columns = None if message else invite_columns(store, text, sig)
        row = store.db.execute_sql("SELECT key, kind, author, author_seq FROM invite WHERE"
                                   " id = ?", (row_id,)).fetchone() if columns else None
        if columns and row is not None and tuple(columns.values()) != tuple(row):
            return invite_genuine_when_restored(store, text, sig, row_id)
    return False


def _field(text: str, name: str) -> str | None:
    try:
        value = json.loads(text).get(name)
    except (ValueError, AttributeError, RecursionError):
        return None
    return value if isinstance(value, str) else None


def genuine_again(store: GroupStore, roster: Roster, envelopes: list[Envelope]) -> list[Envelope]:
    """Of these records (refused here once, restored since: quarantine.RefusedHere), those
    that a row of this file now holds with its record's own columns, genuine (inside the
    store's session): the scan sends them, so that a row put back by `relay refetch` goes out
    at once, not only with a later record of its author naming it."""
    found = []
    good: set[str] | None = None
    for envelope in envelopes:
        claimed = _field(envelope.text, "id" if envelope.table == "msg" else "key")
        if envelope.table == "msg":  # by its id (indexed), then its record
            rows = [row for row in Message.with_rowid().where(Message.id == claimed)
                    if text_of(row.record) == envelope.text]
            if len(rows) == 1 and restored_columns(store, envelope.text, envelope.sig,
                                                   str(rows[0].id)) is None and all(
                    problem is None for _, problem in judge_messages(store, roster, rows, "")):
                found.append(envelope)
        elif envelope.table == "invite":
            row = store.db.execute_sql("SELECT key, kind, author, author_seq FROM invite"
                                       " WHERE key = ? AND record = ?",
                                       (claimed, envelope.text)).fetchone()
            columns = invite_columns(store, envelope.text, envelope.sig)
            if row is None or columns is None or tuple(columns.values()) != tuple(row[:4]):
                continue
            good = genuine_invite_digests(store, roster) if good is None else good
            if envelope.hash in good:
                found.append(envelope)
    return found


# Rows of the message table whose columns may differ from their record's, found by SQLite in
# one pass (no record parsed in Python: ~1 us a row); each is then checked exactly.
_SUSPECTS = """SELECT id, record, sig FROM message WHERE json_valid(record)
    AND id = json_extract(record, '$.id') AND (target IS NOT json_extract(record, '$.target') OR
    author IS NOT json_extract(record, '$.a') OR author_seq IS NOT json_extract(record, '$.aseq')
    OR kind IS NOT json_extract(record, '$.type')
    OR body IS NOT coalesce(json_extract(record, '$.body'), '')
    OR reply_to IS NOT json_extract(record, '$.reply')
    OR orig_id IS NOT json_extract(record, '$.orig_id')
    OR created_at IS NOT CASE json_extract(record, '$.type') WHEN 'imported'
        THEN json_extract(record, '$.orig_time') ELSE json_extract(record, '$.t') END)"""


_INVITE_SUSPECTS = """SELECT id, key, kind, author, author_seq, record, sig FROM invite WHERE
    NOT json_valid(record) OR key IS NOT json_extract(record, '$.key')
    OR kind IS NOT json_extract(record, '$.k') OR author IS NOT json_extract(record, '$.a')
    OR author_seq IS NOT json_extract(record, '$.aseq')"""


def restore_altered(store: GroupStore,
                    before: Callable[[str], object] | None = None) -> list[tuple[str, str]]:
    """Put back the columns of every message and invite row altered in the file whose record,
    with its own columns, is genuine (`peers relay refetch`): the ids (an invite's key) of
    the rows restored, each with its record's hash. A row void on its own stays as it is
    (its verdict is its record's). `before(hash)` is told of each just before its row is
    written: the relay's refusal is moved aside first, so that the scan the write wakes
    finds it restored (quarantine.RefusedHere) and sends the record."""
    restored = []
    with store.session():
        roster = store.current_roster()
        for row_id, text, sig in store.db.execute_sql(_SUSPECTS).fetchall():
            if not genuine_when_restored(store, roster, text, sig, row_id):
                continue
            columns = restored_columns(store, text, sig, row_id)
            if columns is not None:
                restored.append((row_id, record_hash(text_of(text))))
                if before is not None:
                    before(restored[-1][1])
                with store.db.atomic():
                    Message.update(**{name: columns[name] for name in COLUMNS
                                      if name != "id"}).where(Message.id == row_id).execute()
        for row_id, key, kind, author, aseq, text, sig in store.db.execute_sql(
                _INVITE_SUSPECTS).fetchall():
            columns = invite_columns(store, text, sig)
            if columns is None or columns == {"key": key, "kind": kind, "author": author,
                                              "author_seq": aseq}:
                continue
            if invite_genuine_when_restored(store, text, sig, row_id):
                restored.append((str(columns["key"]), record_hash(text_of(text))))
                if before is not None:
                    before(restored[-1][1])
                with store.db.atomic():
                    Invite.update(**columns).where(Invite.id == row_id).execute()
    return restored


__all__ = ["altered_row_genuine", "genuine_again", "genuine_when_restored",
           "invite_genuine_when_restored", "own_columns", "restore_altered", "restored_columns",
           "rows_at"]
