"""A group's genesis record: it names the group, and its hash is the group id, which proves a
file holds the group it claims to. Checked here for every reader of a group file (core.group_file
through the models, core.lean_post with plain sqlite3)."""

from __future__ import annotations

from peers_tui.core.encoding import record_digest_b32
from peers_tui.core.errors import DamagedDatabase
from peers_tui.core.kinds import RecordKind
from peers_tui.core.raw_values import open_stored as open_record
from peers_tui.core.records import RecordError, SignedRecord

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from typing import Any

GROUP_ID_LENGTH = 26


def group_id_of(genesis: SignedRecord) -> str:
    """The group id: the genesis record's hash, cut to 26 base32 characters."""
    return record_digest_b32(genesis.text)[:GROUP_ID_LENGTH]


def checked_genesis(row: tuple[Any, Any, Any] | None, group_id: str,
                    file_name: str) -> SignedRecord:
    """The genesis row (id, record, sig) of the file `file_name` as a verified record;
    DamagedDatabase if it is missing, forged or does not produce `group_id`."""
    if row is None:
        raise DamagedDatabase(f"{file_name} has no genesis record")
    row_id, text, sig = row
    try:
        record = open_record(text, sig, group_id=None, kind=RecordKind.GENESIS)
    except RecordError as exc:
        raise DamagedDatabase(f"{file_name}: genesis record: {exc}") from exc
    if group_id_of(record) != group_id or row_id != group_id:
        raise DamagedDatabase(f"{file_name} holds a different group than {group_id} "
                              "(file swapped or forged)")
    return record
