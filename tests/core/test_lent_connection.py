"""A group file's connection lent to another thread (GroupFile.lent_to_this_thread): a relay's
backfill applies each page on a thread of lower priority (relay/background_apply.py), but its
commits must be the kept connection's own. SQLite's `data_version` moves only for other
connections' commits, and a relay takes a move for another process's write: it scanned the
file again after every page and remembered every backfilled record as known (a million for a
million-message join). Only a store opened `lendable` (the relay's kept ones) allows it; every
other connection keeps sqlite3's same-thread check."""

from __future__ import annotations

import sqlite3
import threading

from peers_tui.core.group_store import GroupStore
from peers_tui.core.identity import Keypair


def data_version(store: GroupStore) -> int:
    return int(store.db.connection().execute("PRAGMA data_version").fetchone()[0])


def on_a_thread(work) -> object:
    result: list[object] = []

    def run() -> None:
        try:
            result.append(work())
        except Exception as exc:  # handed back to the test's thread
            result.append(exc)
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return result[0]


def kept_store(tmp_path, keys: Keypair, lendable: bool) -> GroupStore:
    made = GroupStore.create(tmp_path, keys, "team", "ann")
    made.close()
    store = GroupStore(tmp_path / f"{made.group_id}.db", made.group_id, lendable=lendable)
    store.genesis()  # as the relay's kept stores are before a walk lends them
    return store


def test_a_commit_on_the_lent_connection_is_the_lender_s_own(tmp_path):
    keys = Keypair.generate()
    store = kept_store(tmp_path, keys, lendable=True)
    with store.db.connection_context():  # the relay's kept connection, on this thread
        kept = store.db.connection()
        before = data_version(store)

        def post() -> str:
            with store.file.lent_to_this_thread(kept):
                return store.post(keys, "from the walk's thread").id
        posted = on_a_thread(post)
        assert isinstance(posted, str), posted
        assert data_version(store) == before  # one of ours: no other connection wrote
        assert store.db.connection() is kept and not store.db.is_closed()  # still ours, open
        assert not kept.in_transaction

        on_a_thread(lambda: store.post(keys, "on the thread's own connection").id)
        assert data_version(store) != before  # (what the lent connection spares)
    with sqlite3.connect(tmp_path / f"{store.group_id}.db") as other:
        assert [row[0] for row in other.execute("SELECT id FROM message ORDER BY rowid")][:1] == [
            posted]


def test_every_other_connection_keeps_the_same_thread_check(tmp_path):
    keys = Keypair.generate()
    store = kept_store(tmp_path, keys, lendable=False)
    with store.db.connection_context():
        kept = store.db.connection()

        def post() -> str:
            with store.file.lent_to_this_thread(kept):
                return store.post(keys, "from another thread").id
        refused = on_a_thread(post)
    assert isinstance(refused, Exception)  # sqlite3's "objects created in a thread ..."
    assert "thread" in str(refused), refused
