"""A backfill's steps on the group file (core/frontier.py holds the frontier itself): start it,
lower it as older pages come, and finish it, each an ordinary commit.

Finishing drops the frontier and, in the same transaction, takes out any message whose
predecessor never arrived (an honest hub's history has none: such a record claimed a place
in a chain that does not exist), so that from then on the file is exactly what applying the
hub's records oldest first would have made. Predecessors are judged from genuine rows only
(relay/unlinked.py): junk written at a predecessor's place, in any table, does not keep a
record whose predecessor never came, and a junk row is no record to take out as unlinked.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from peers_tui.core import frontier, joined_history, search
from peers_tui.core.database import connect
from peers_tui.core.frontier import Frontier
from peers_tui.core.group_store import GroupStore
from peers_tui.core.models import Message
from peers_tui.core.raw import text_of
from peers_tui.relay import deleted_tops, unlinked
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.kept_stores import reading
from peers_tui.relay.links import ORIGIN

T = TypeVar("T")
# Why a walk's end takes a message out (finish); a refetch takes these back first
# (census.refused_for_gaps): the predecessor may have been deleted here mid-walk.
NEVER_ARRIVED = "an earlier record by this author never arrived (no such chain)"

def open_store(hub: Path, group_id: str) -> GroupStore:
    return GroupStore(hub / f"{group_id}.db", group_id)


def read_file(hub: Path, group_id: str, read: Callable[[GroupStore], T]) -> T:
    """`read` of the group's file, on a store of its own closed after it."""
    store = open_store(hub, group_id)
    try:
        return read(store)
    finally:
        store.close()


def walking(path: Path) -> bool | None:
    """Whether the group file holds a frontier (a walk under way), read on a read-only
    connection of its own (kept_stores.reading: ~0.2 ms, where a store opened for `current`
    took ~1 ms, and a relay's start asks it of every group file: 0.15 s of CPU with 200);
    None when it cannot be read so (the caller opens a store and learns why)."""
    try:
        with reading(None, path) as connection:
            return connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table'"
                                      " AND name = ?", (frontier.STATE,)).fetchone() is not None
    except sqlite3.Error:
        return None


def current(store: GroupStore) -> Frontier | None:
    with store.session():
        return frontier.current()


def reach(store: GroupStore) -> int:
    """The hub stream position the join read up to, 0 when no walk is under way (walk_reach.py)."""
    with store.session():
        return frontier.reach()


def oldest(store: GroupStore) -> str | None:
    with store.session():
        return frontier.oldest_received()


def begin(store: GroupStore, total: int, upper: int) -> None:
    with store.session(), store.db.atomic():
        frontier.begin(store.db, total, upper, upper + 1)


def expect_history(store: GroupStore, page: list[Envelope]) -> None:
    """Name a page's messages as history before it is applied (core.joined_history: what
    the hub held when this host joined is not news here): the apply's own transaction writes
    the names (relay/apply.py), the next `lower` settles them."""
    joined_history.name_page(store.group_id, [e.text for e in page if e.table == "msg"])


def lower(store: GroupStore, position: int, total: int | None = None) -> None:
    """Record the stream position the walk reached (after the page that reached it was
    applied: the authors' floors went down with its records, apply.py), and fold the page's
    history ids into rowid ranges in the same commit (a restart reads the page again)."""
    with store.session(), store.db.atomic():
        reached(store.db, store.group_id, position, total)


def reached(db: Any, group_id: str, position: int, total: int | None = None) -> None:
    """`lower` inside the caller's transaction: the walk passes it to the apply of the page
    that reached `position`, so a page is one commit (its rows, the authors' floors, the
    position, the history ranges), not two: a second commit a page woke every reader of the
    file again (the joining user's app) and cost the walk its own transaction."""
    if frontier.active():
        frontier.lower(db, {}, position, total)
    joined_history.settle(db, group_id)


def suspects_in(path: Path) -> tuple[int, list[int]]:
    """`unlinked.suspects` of the file on a connection of its own: the relay reads it on the
    walk's thread (background_apply.in_background) before its lock, so the pass over every
    message (~6 us each: ~6 s for a million) holds up neither the event loop nor live records."""
    db = connect(path)
    with db.connection_context():
        return unlinked.suspects(db)


def finish(store: GroupStore, read: tuple[int, list[int]] | None = None
           ) -> list[tuple[Envelope, str]]:
    """Drop the frontier; take out the messages left without a predecessor (and what stood on
    them), returned with the reason to quarantine them. `read`: `suspects_in` of the file
    taken before (None: read here)."""
    voided: list[tuple[Envelope, str]] = []
    with store.session():
        # The long read, before the write lock (the rows written since are read under it).
        top, suspected = read if read is not None else unlinked.suspects(store.db)
        with store.db.atomic():
            frontier.finish(store.db)
            joined_history.settle(store.db, store.group_id)  # the history marks outlive the frontier
            found = unlinked.lacking(store.db, store.group_id,
                                     suspected + unlinked.suspects(store.db, top)[1])
            while found:
                ids = [message_id for _, message_id, _, _ in found]
                for row in Message.select().where(Message.id.in_(ids)):
                    voided.append((Envelope(store.group_id, "msg", text_of(row.record),
                                            bytes(row.sig or b""), None, ORIGIN),
                                   NEVER_ARRIVED))
                for rowid, _, _, _ in found:
                    search.unindex(store.db, rowid)
                Message.delete().where(Message.id.in_(ids)).execute()
                deleted_tops.note_deletion(store.db)
                found = unlinked.lacking(store.db, store.group_id, unlinked.successors(
                    store.db, [(author, aseq) for _, _, author, aseq in found]))
    return voided
