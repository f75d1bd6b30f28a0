"""A group file's connection lent to another thread (GroupFile.lent_to_this_thread): a relay's
backfill applies each page on a thread of lower priority, but its commits must be the kept
connection's own. SQLite's `data_version` moves only for other connections' commits, and a
relay takes a move for another process's write: it scanned the file again after every page
and remembered every backfilled record as known (a million for a million-message join)."""

from __future__ import annotations

import sqlite3
import threading

from peers_tui.core.group_store import GroupStore
from peers_tui.core.identity import Keypair


def data_version(store: GroupStore) -> int:
    return int(store.db.connection().execute("PRAGMA data_version").fetchone()[0])


def on_a_thread(work) -> object:
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(work()))
    thread.start()
    thread.join()
    return result[0]


def test_a_commit_on_the_lent_connection_is_the_lender_s_own(tmp_path):
    keys = Keypair.generate()
    store = GroupStore.create(tmp_path, keys, "team", "ann")
    kept = store.db.connection()  # the relay's kept connection, on this thread
    before = data_version(store)

    def post() -> str:
        with store.file.lent_to_this_thread(kept):
            return store.post(keys, "from the walk's thread").id
    posted = on_a_thread(post)
    assert data_version(store) == before  # one of ours: no other connection wrote
    assert store.db.connection() is kept and not store.db.is_closed()  # still ours, open
    assert not kept.in_transaction

    on_a_thread(lambda: store.post(keys, "on the thread's own connection").id)
    assert data_version(store) != before  # (what the lent connection spares)
    with sqlite3.connect(tmp_path / f"{store.group_id}.db") as other:
        assert [row[0] for row in other.execute("SELECT id FROM message ORDER BY rowid")][:1] == [
            posted]
