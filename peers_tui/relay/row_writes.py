"""Writing other hosts' records into a group file: a new file holding only its genesis,
membership rows set aside before a change is appended, and the inserts of a membership
change, an invite and a message.

Separate from relay.rows, which reads this host's new records and judges them for sending:
these write, and decide nothing; relay.apply checks each record first, as a local write
does, and calls them inside the store's session (models bound to that file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from peers_tui.core.database import create_file
from peers_tui.core.group_store import GROUP_FILE_MODE, GroupStore
from peers_tui.core.message_rules import expected_columns
from peers_tui.core.models import GroupInfo, GroupMember, Invite, Message, SetAsideChange
from peers_tui.core.records import SignedRecord


def create_group_file(hub: Path, genesis: SignedRecord, group_id: str) -> GroupStore:
    """A new group file holding only the (already checked) genesis record."""
    path = hub / f"{group_id}.db"
    create_file(path, GROUP_FILE_MODE)
    store = GroupStore(path, group_id)
    with store.session(create=True):
        GroupInfo.create(id=group_id, record=genesis.text, sig=genesis.sig)
    store.genesis()
    return store


def set_aside_from(seq: int, reasons: dict[int, str], coming: str = "") -> None:
    """Move membership rows at `seq` and above (none counted) out of the log's way, as a
    local write does before it appends (GroupStore._set_aside). A row holding the very
    record `coming` (its text) goes without being set aside: it did not count only while
    something it stands on was missing here (an invite whose predecessor was deleted from
    the file, fetched back since), and kept as set aside it warned on every command that a
    change "does not count" beside the same change counting (docs/relay.md, "Leftovers,
    fifth round")."""
    for row in GroupMember.select().where(GroupMember.seq >= seq):
        if row.seq == seq and row.record == coming:
            continue
        SetAsideChange.create(seq=row.seq, member=row.member, record=row.record, sig=row.sig,
                              cosig=row.cosig, reason=reasons.get(row.seq, "did not count"))
    GroupMember.delete().where(GroupMember.seq >= seq).execute()


def insert_member(record: SignedRecord, seq: int) -> None:
    """The change written at its place in the log. A copy of it set aside before (moved out of
    the way with the rows above a change mended beneath it: set_aside_from) goes: kept, it
    read "does not count" beside the same change counting, under the reason of another record
    once set aside at its place (twenty-eighth acceptance pass), and `peers log` showed its
    event twice."""
    GroupMember.insert(seq=seq, member=record.data.get("member"), record=record.text,
                       sig=record.sig, cosig=record.cosig).execute()
    SetAsideChange.delete().where((SetAsideChange.seq == seq)
                                  & (SetAsideChange.record == record.text)).execute()


# Copies set aside of changes the log holds at their place, the same record (left by a mend
# before insert_member dropped them: the twenty-eighth acceptance pass's files).
_STALE_SET_ASIDE = (" FROM set_aside_changes WHERE EXISTS (SELECT 1 FROM group_members g"
                    " WHERE g.seq = set_aside_changes.seq AND g.record = set_aside_changes.record)")


def drop_stale_set_asides(db: Any) -> int:
    """Drop such copies (the relay's scan, inside the store's session): how many. One look
    at a table most often empty when there are none."""
    if db.execute_sql("SELECT 1" + _STALE_SET_ASIDE + " LIMIT 1").fetchone() is None:
        return 0
    with db.atomic():
        return int(db.execute_sql("DELETE" + _STALE_SET_ASIDE).rowcount)


def insert_invite(record: SignedRecord) -> None:
    Invite.insert(key=record.data.get("key"), kind=record.kind, record=record.text,
                  sig=record.sig, author=record.author, author_seq=record.data.get("aseq")).execute()


def insert_message(record: SignedRecord) -> int:
    """The new row's rowid (IntegrityError when its id, chain place or import id is taken)."""
    columns = expected_columns(record)
    return int(Message.insert(**columns, record=record.text, sig=record.sig).execute())
