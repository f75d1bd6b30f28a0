"""`peers send` on plain sqlite3: the same checks and the same record as `Account.send`,
without importing Peewee and the reader (~40 ms of a ~60 ms budget for a whole process).

It reads the rows with SQL and judges them with the very functions the store uses
(core.genesis, core.membership_replay, core.chain_rules, core.message_rules, core.group_entry):
the genesis is verified, the membership log and the invites are replayed (once) inside the
IMMEDIATE transaction that writes the message, the sender must be an active member allowed to
post at the head of the log, and the message is a signed link of their own chain, indexed for
search in the same transaction. The read marker and the pins move as after any send.

A handle change kept for the hub of a federation (a leaf cut off from it, relay.held) is
plain too: the group's handle then differs from ours only because that change is signed and
waiting, and the full path would sign the same change again only to keep it in its place.

It does only the plain case. Whenever anything is not plain (a file to create or migrate, a
read-only file, a damaged or forged row anywhere in the membership log or the invites, a
handle to sign first, a refusal of any kind), it writes nothing and returns None, and the
caller runs the full `Account.send`, which does the same checks and says what is wrong.
"""

from __future__ import annotations

import os
import sqlite3

from peers_tui.core import own_copy
from peers_tui.core.chain_rules import build_on, link_after
from peers_tui.core.database.files import SQLITE_BUSY, sqlite_code, storage_error
from peers_tui.core.errors import Busy, ClockAhead, DiskFull, PeersError, ReadOnly
from peers_tui.core.group_entry import (
    GROUP_COLUMNS, GroupEntry, GroupName, entry_of, find_group, own_pin, pinned, pins_move,
)
from peers_tui.core.hub_refused import writer_limits
from peers_tui.core.identity import KEY_FILE, Keypair, load_or_create_keypair
from peers_tui.core.kinds import MessageKind, RecordKind
from peers_tui.core.lean_reads import connect, lean_schema, own_head, read_roster, text_column
from peers_tui.core.membership import MAX_HANDLE, Roster
from peers_tui.core.membership_replay import require_role
from peers_tui.core.message_rules import NEWEST_IDS, REQUIRED_ROLE, check_post, followed, signed_message
from peers_tui.core.raw_values import UNEXPECTED_CONTENT, as_text
from peers_tui.core.records import RecordError, open_record
from peers_tui.core.search import index as index_for_search
from peers_tui.core.text import check_text, without_blank_edges

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from collections.abc import Callable

    # (group id, author) -> the handle change kept for the hub: (text, sig, cosig), or None.
    HeldChange = Callable[[str, str], "tuple[str, bytes, bytes | None] | None"]

PERSONAL_FILE = "personal.db"
PERSONAL_LABEL = "your personal database"
# What makes this path hand the send over to the full one (nothing written yet).
HAND_OVER = (PeersError, RecordError, sqlite3.Error, OSError) + UNEXPECTED_CONTENT
MESSAGE_COLUMNS = ("id", "author", "author_seq", "kind", "created_at", "body", "record", "sig",
                   "target", "reply_to", "orig_id")


class _Sql:
    """A sqlite3 connection as core.search writes through it (Peewee's `execute_sql`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.execute_sql = conn.execute


def stored_handle(personal: sqlite3.Connection) -> str | None:
    """Account.handle, when it is the stored setting (None: the full path decides)."""
    row = personal.execute("SELECT value FROM setting WHERE key = 'handle'").fetchone()
    try:
        return check_text(as_text(text_column(row[0])) if row else None, "handle",
                          max_chars=MAX_HANDLE, multiline=False)
    except PeersError:
        return None


def handle_waits(held: HeldChange | None, roster: Roster, group_id: str, me: str,
                  handle: str) -> bool:
    """Whether our change of handle to `handle` is signed and kept for the hub (relay.held),
    and still the next change of this host's log: the relay proposes that one when the link
    is back. A kept change that no longer fits (or none) is the full path's to sign."""
    kept = held(group_id, me) if held is not None else None
    if kept is None:
        return False
    try:
        record = open_record(kept[0], kept[1], kept[2], group_id=group_id, kind=RecordKind.MEMBER)
    except RecordError:
        return False
    data = record.data
    return (record.author == me and data.get("action") == "handle" and data.get("member") == me
            and data.get("handle") == handle and data.get("seq") == roster.head_seq + 1
            and data.get("prev") == roster.head_hash)


def write_plain(conn: sqlite3.Connection, entry: GroupEntry, keypair: Keypair, handle: str,
                body: str, kind: MessageKind,
                held: HeldChange | None = None) -> tuple[str, int, Roster, tuple[int, str]] | None:
    """Check and write the message in one IMMEDIATE transaction: (its id, rowid, the roster
    it was checked against, the sender's new chain head), or None with nothing written.
    Also used on a connection kept open (core.held_send), so whether the file is one this path
    writes is asked again inside the transaction (a backfill may have begun since)."""
    me = keypair.public_id
    conn.execute("BEGIN IMMEDIATE")
    try:
        if not lean_schema(conn):
            conn.execute("ROLLBACK")
            return None
        roster = read_roster(conn, entry.id, os.path.basename(entry.db_file))
        member = roster.active(me) if roster is not None else None
        if roster is None or member is None or (
                member.handle != handle and not handle_waits(held, roster, entry.id, me, handle)):
            conn.execute("ROLLBACK")  # a handle change is signed first, by the full path
            return None
        require_role(roster, me, REQUIRED_ROLE[kind])
        # Never at a place of our chain our personal.db pins (chain_rules.build_on).
        head, pin = own_head(conn, me, entry.id), own_pin(entry, me, roster.cuts)
        if build_on(head, pin) != head:  # the file lost our pinned record: the full path
            conn.execute("ROLLBACK")  # puts its kept copy back first (core/own_copy.py)
            return None
        link, floor = link_after(me, head, roster, pin)
        taken = conn.execute("SELECT 1 FROM message WHERE author = ? AND author_seq = ?",
                             (me, link["aseq"])).fetchone()
        if taken is not None:  # tampered with: the full path refuses with the reason
            conn.execute("ROLLBACK")
            return None
        newest = followed(((text_column(id_), created, text, sig)
                           for id_, created, text, sig in conn.execute(NEWEST_IDS)), roster,
                          *writer_limits(os.path.dirname(entry.db_file), entry.id))
        record, columns = signed_message(keypair, entry.id, kind, {"body": body}, link, floor,
                                         newest)
        values = {**columns, "record": record.text, "sig": record.sig}
        rowid = conn.execute(
            f"INSERT INTO message ({', '.join(MESSAGE_COLUMNS)})"
            f" VALUES ({', '.join('?' * len(MESSAGE_COLUMNS))})",
            [values[name] for name in MESSAGE_COLUMNS]).lastrowid
        assert rowid is not None
        index_for_search(_Sql(conn), rowid, body)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return str(columns["id"]), rowid, roster, (link["aseq"], record.hash)


def _bookkeeping(personal: sqlite3.Connection, group: sqlite3.Connection, entry: GroupEntry,
                 message_id: str, roster: Roster, author: str, head: tuple[int, str],
                 rowid: int) -> None:
    """After the send, in one transaction of personal.db: the read marker moves to the new
    message if it was stored after the marker (MessageActions.read_up_to), and the
    membership head and our own chain head are pinned, a copy of its record kept
    (Pins.after_write)."""
    personal.execute("BEGIN IMMEDIATE")
    try:
        row = group.execute("SELECT record, sig FROM message WHERE rowid = ?", (rowid,)).fetchone()
        if row is not None and isinstance(row[0], str) and isinstance(row[1], bytes):
            personal.execute("INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)",
                             own_copy.setting(entry.id, row[0], row[1]))
        current = move_read_marker(personal, group, entry.id, message_id)
        if current is not None:
            heads = {author: head}
            if pins_move(current, roster.head_seq, roster.head_hash, heads, roster.cuts):
                seq, digest, authors = pinned(current, roster.head_seq, roster.head_hash, heads,
                                              roster.cuts)
                personal.execute("UPDATE groups SET member_head_seq = ?, member_head_hash = ?,"
                                 " author_heads = ? WHERE id = ?", (seq, digest, authors, entry.id))
        personal.execute("COMMIT")
    except BaseException:
        if personal.in_transaction:
            personal.execute("ROLLBACK")
        raise


def move_read_marker(personal: sqlite3.Connection, group: sqlite3.Connection, group_id: str,
                     message_id: str) -> GroupEntry | None:
    """MessageActions.read_up_to inside the caller's transaction of personal.db: the marker
    moves to `message_id` if that was stored after it (unread is by arrival). Returns the
    group's row as it was, None if personal.db does not list the group."""
    def arrival(message: str) -> int:
        row = group.execute("SELECT rowid FROM message WHERE id = ?", (message,)).fetchone()
        return row[0] if row else 0

    row = personal.execute(f"SELECT {', '.join(GROUP_COLUMNS)} FROM groups WHERE id = ?",
                           (group_id,)).fetchone()
    if row is None:
        return None
    current = entry_of(row)
    marker = current.read_marker
    if marker is None or arrival(message_id) > arrival(marker):
        personal.execute("UPDATE groups SET read_marker = ? WHERE id = ? AND "
                         + ("read_marker IS NULL" if marker is None else "read_marker = ?"),
                         (message_id, group_id) + (() if marker is None else (marker,)))
    return current


def _entry(personal: sqlite3.Connection, query: str) -> GroupEntry | None:
    """The listed group `query` names (Account.resolve): resolved on the names and ids of all
    of them, archived ones too, in the order PersonalStore.groups gives; only its row is read
    whole (each row's pins are JSON, ~200 groups' worth of them)."""
    found = find_group(query, [GroupName.of(*row) for row in personal.execute(
        "SELECT id, name, archived FROM groups ORDER BY personal DESC, sort_order, joined_at")])
    row = personal.execute(f"SELECT {', '.join(GROUP_COLUMNS)} FROM groups WHERE id = ?",
                           (found.id,)).fetchone()
    return entry_of(row) if row is not None else None


def busy_error(exc: BaseException, entry: GroupEntry) -> PeersError | None:
    """The user's error when another process held the group's write lock for the whole busy
    timeout, else None. Handed over, the full path waited as long again and failed alike (the
    ninth acceptance pass: ~11 s, then SQLite's bare "database is locked")."""
    if sqlite_code(exc) != SQLITE_BUSY:  # (also behind a store's PeersError: its cause)
        return None
    return storage_error(entry.db_file, exc, f"group {entry.name}")


class LeanSend:
    """One `peers send` on plain sqlite3. `send()` returns the message id, or None when the
    full path must do it (nothing was written then). Use as a context manager: the
    connections close at its end. `held` finds a handle change kept for the hub (the CLI
    gives relay.held_peek's: the core knows no relay)."""

    def __init__(self, home: str, hub: str, held: HeldChange | None = None) -> None:
        self.home, self.hub = home, hub
        self.held = held
        self.keypair: Keypair | None = None
        self.personal: sqlite3.Connection | None = None
        self._group: sqlite3.Connection | None = None

    def __enter__(self) -> LeanSend:
        return self

    def __exit__(self, *exc: object) -> None:
        for conn in (self._group, self.personal):
            if conn is not None:
                conn.close()

    def send(self, query: str, text: str, kind: str = "text") -> str | None:
        try:
            found = self._prepare(query, without_blank_edges(text), kind)
        except HAND_OVER:
            return None
        if found is None:
            return None
        entry, group, keypair, handle, body = found
        assert self.personal is not None
        try:
            written = write_plain(group, entry, keypair, handle, body, MessageKind(kind), self.held)
        except ClockAhead:
            raise  # the full path would refuse it alike, after loading itself (~100 ms)
        except HAND_OVER as exc:
            busy = busy_error(exc, entry)
            if busy is not None:
                raise busy from exc
            return None  # rolled back: nothing was written
        if written is None:
            return None
        message_id, _, roster, head = written
        try:
            _bookkeeping(self.personal, group, entry, message_id, roster, keypair.public_id, head,
                         written[1])
        except sqlite3.Error as exc:
            # As after the full send (core.pins.remember): a full disk, a read-only home or
            # a locked personal.db does not fail a message that was sent (said failed, it was
            # sent twice by a user trying again); anything else is reported.
            error = storage_error(os.path.join(self.home, PERSONAL_FILE), exc, PERSONAL_LABEL)
            if not isinstance(error, (Busy, DiskFull, ReadOnly)):
                raise error from exc
        return message_id

    def _prepare(self, query: str, body: str,
                 kind: str) -> tuple[GroupEntry, sqlite3.Connection, Keypair, str, str] | None:
        if not os.path.isfile(os.path.join(self.home, KEY_FILE)):
            return None  # a first run: the full path creates the identity
        check_post(body, kind)
        self.keypair = keypair = load_or_create_keypair(self.home)
        personal_path = os.path.join(self.home, PERSONAL_FILE)
        if not os.path.isfile(personal_path):
            return None
        self.personal = personal = connect(personal_path)
        if personal is None:
            return None
        entry = _entry(personal, query)
        handle = stored_handle(personal)
        if entry is None or entry.personal or handle is None:
            return None  # the personal group shares personal.db: the full path posts there
        self._group = group = connect(entry.db_file)
        if group is None:
            return None
        return entry, group, keypair, handle, body


__all__ = ["LeanSend", "busy_error"]
