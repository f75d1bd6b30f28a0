"""A genuine record whose row was altered in place before it was sent: a message of the log
everywhere, not a void record (docs/relay.md, "An altered unsent row, and the quarantine by
group").

Its author's host has the record in the row's `record` and `sig` columns, untouched, and other
columns (the body, say) changed in the file: an UPDATE by anyone able to write it, or a disk
mishap. Readers flag the row (`[UNVERIFIED: row does not match its signed record]`) and
`peers verify` names it, as for a row altered after it was sent; the relay's scan refuses the
row ("edited in the file"). When the author's next record names it, the scan moved it into
`fork_evidence` as a void record (chain_evidence.py) and shipped it as evidence, which the other
hosts took as the message it is: the hosts disagreed on one genuine record. A record's verdict
is a function of signed data alone, so the row is judged as it would be with its record's own
columns (written in a savepoint, judged by the readers' HistoryReader, rolled back): genuine,
it stays in the log and its record is shipped as a message; void on its own, it is moved as
before. Only a row under its record's own id (a copy under another id is refused, as before).
"""

from __future__ import annotations

from typing import Any

from peers_tui.core.encoding import record_hash
from peers_tui.core.group_store import GroupStore
from peers_tui.core.history import HistoryReader
from peers_tui.core.kinds import RecordKind
from peers_tui.core.membership import Roster
from peers_tui.core.message_rules import COLUMNS, columns_in_order
from peers_tui.core.models import Message
from peers_tui.core.opened_records import columns_of, open_message
from peers_tui.core.raw import text_of
from peers_tui.core.records import RecordError


def own_columns(store: GroupStore, text: str, sig: Any, row_id: str) -> dict[str, Any] | None:
    """The record's own columns for the message row `row_id` holding it, when the record is
    its group's message record under that id (not a change: one is judged with its target);
    else None."""
    try:
        record = open_message(text, bytes(sig or b""), group_id=store.group_id,
                              kind=RecordKind.MSG)
        columns = columns_of(record)
    except RecordError:
        return None
    if columns["id"] != row_id or columns["target"] is not None:
        return None  # a copy under another id, or a change: as before
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
    """Whether the row `row_id` is genuine with its record's own columns, whatever its
    columns hold now (inside the store's session; the file is left as it was). A row put
    back by `restore_altered` is genuine, whatever the relay refused earlier."""
    columns = own_columns(store, text, sig, row_id)
    if columns is None:
        return False
    with store.db.atomic() as savepoint:
        Message.update(**{name: columns[name] for name in COLUMNS if name != "id"}).where(
            Message.id == row_id).execute()
        rows = list(Message.with_rowid().where(Message.id == row_id))
        judged = HistoryReader(roster, store.group_id).judge(rows)
        genuine = bool(judged.items) and all(item.problem is None for item in judged.items)
        savepoint.rollback()
    return genuine


# Rows of the message table whose columns may differ from their record's, found by SQLite in
# one pass (no record parsed in Python: ~1 us a row); each is then checked exactly.
_SUSPECTS = """SELECT id, record, sig FROM message WHERE target IS NULL AND json_valid(record)
    AND id = json_extract(record, '$.id') AND (
    author IS NOT json_extract(record, '$.a') OR author_seq IS NOT json_extract(record, '$.aseq')
    OR kind IS NOT json_extract(record, '$.type')
    OR body IS NOT coalesce(json_extract(record, '$.body'), '')
    OR reply_to IS NOT json_extract(record, '$.reply')
    OR orig_id IS NOT json_extract(record, '$.orig_id')
    OR created_at IS NOT CASE json_extract(record, '$.type') WHEN 'imported'
        THEN json_extract(record, '$.orig_time') ELSE json_extract(record, '$.t') END)"""


def restore_altered(store: GroupStore) -> list[tuple[str, str]]:
    """Put back the columns of every message row altered in the file whose record, with its
    own columns, is genuine (`peers relay refetch`): the ids of the rows restored, each with
    its record's hash. A row void on its own stays as it is (its verdict is its record's)."""
    restored = []
    with store.session():
        roster = store.current_roster()
        for row_id, text, sig in store.db.execute_sql(_SUSPECTS).fetchall():
            if not genuine_when_restored(store, roster, text, sig, row_id):
                continue
            columns = restored_columns(store, text, sig, row_id)
            if columns is not None:
                with store.db.atomic():
                    Message.update(**{name: columns[name] for name in COLUMNS
                                      if name != "id"}).where(Message.id == row_id).execute()
                restored.append((row_id, record_hash(text_of(text))))
    return restored


__all__ = ["genuine_when_restored", "own_columns", "restore_altered", "restored_columns"]
