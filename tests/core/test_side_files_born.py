"""A group file of a shared hub opened by another Unix user (here root, as a relay run by root)
while its owner writes it: the -wal and -shm files SQLite makes for the opener are born with
the file's mode (core.database.side_files), so the owner's connection is never turned
read-only by meeting one of them in the instant before SQLite set its mode and owner
(docs/relay.md, "The dm refused read-only, its cause (h-dmcause)")."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading

import pytest

from tests.system_helpers import HUB_GROUP

# The owner's side, as any program writing the file would: open it read-write (the pragma
# opens the WAL and the WAL index), write in one transaction, close; again for `seconds`.
OWNER_WRITES = """
import sqlite3, sys, time
path, seconds = sys.argv[1], float(sys.argv[2])
end, written, refused = time.monotonic() + seconds, 0, 0
while time.monotonic() < end:
    conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, isolation_level=None, timeout=5)
    try:
        conn.execute("PRAGMA journal_mode = wal")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO note VALUES ('x')")
        conn.execute("COMMIT")
        written += 1
    except sqlite3.OperationalError as exc:
        if "readonly" not in str(exc):
            raise
        refused += 1
    finally:
        conn.close()
print(written, refused)
"""


def open_as_a_store(path) -> None:
    """peers' own connection, as a relay's kept store or any command opens a group file."""
    from peers_tui.core.database import connect

    db = connect(path)
    db.connect()
    db.execute_sql("SELECT count(*) FROM note").fetchone()
    db.close()


def open_as_a_reader(path) -> None:
    """A plain read-only reader (the relay's census, quick look, `relay status`...)."""
    from peers_tui.core.database.side_files import read_only

    conn = read_only(f"file:{path}?mode=ro", path, timeout=5)
    conn.execute("SELECT count(*) FROM note").fetchone()
    conn.close()


@pytest.mark.parametrize("opening", [open_as_a_store, open_as_a_reader])
def test_a_file_root_opens_again_and_again_stays_writable_for_its_owner(unix_users, opening):
    """root opens and closes alice's group file (each opening makes its -wal and -shm:
    nobody else holds them) while alice writes it. Before the fix, 3 s of this refused
    hundreds of alice's writes ("attempt to write a readonly database": her WAL opened
    read-only); now none."""
    alice = unix_users["alice"]
    path = alice.hub / "group.db"
    made = sqlite3.connect(path)
    made.execute("PRAGMA journal_mode = wal")
    made.execute("CREATE TABLE note (body TEXT)")
    made.close()
    os.chmod(path, 0o660)  # a group file of the shared hub: hers, of the hub's group
    shutil.chown(path, user=alice.account, group=HUB_GROUP)

    stop, opened = threading.Event(), []

    def open_again_and_again() -> None:
        while not stop.is_set():
            opening(path)
            opened.append(1)

    root = threading.Thread(target=open_again_and_again)
    old = os.umask(0o022)  # the usual umask: 0660 asked, 0640 made, before the fix
    root.start()
    try:
        result = alice.python(OWNER_WRITES, str(path), "3")
    finally:
        stop.set()
        root.join()
        os.umask(old)
    assert result.code == 0, result.err
    written, refused = map(int, result.out.split())
    assert len(opened) > 200 and written > 50, (len(opened), written)
    assert refused == 0, f"{refused} of {written + refused} writes of alice refused read-only"
