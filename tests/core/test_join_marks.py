"""The mark a join's fetch leaves beside the join lock (relay/join_fetch.py; docs/relay.md,
"Leftovers, sixth round") in a shared hub another user can write into: a FIFO or a symlink
put at its place neither hangs the join nor is written through, and a mark is trusted only
as a regular file of this user's."""

from __future__ import annotations

import os
import sqlite3
import threading

import pytest

from peers_tui.relay import join_fetch

GROUP = "a" * 26


def staged(tmp_path):
    made = tmp_path / "staging.db"
    with sqlite3.connect(made) as conn:
        conn.execute("CREATE TABLE group_members (seq INTEGER, record TEXT)")
        conn.execute("INSERT INTO group_members VALUES (3, '{}')")
    return made


def in_time(call):
    done = threading.Event()
    result = []
    threading.Thread(target=lambda: (result.append(call()), done.set()), daemon=True).start()
    assert done.wait(5), "hung"
    return result[0]


def test_a_mark_is_written_and_read_back(tmp_path):
    join_fetch._mark(tmp_path, GROUP, staged(tmp_path))
    assert join_fetch._mark_seq(tmp_path, GROUP) == 3


def test_a_fifo_at_the_marks_place_hangs_nothing(tmp_path):
    os.mkfifo(join_fetch._mark_path(tmp_path, GROUP))
    in_time(lambda: join_fetch._mark(tmp_path, GROUP, staged(tmp_path)))
    assert in_time(lambda: join_fetch._mark_seq(tmp_path, GROUP)) is None


def test_a_symlink_at_the_marks_place_is_not_written_through(tmp_path):
    target = tmp_path / "victim"
    target.write_text("kept")
    join_fetch._mark_path(tmp_path, GROUP).symlink_to(target)
    join_fetch._mark(tmp_path, GROUP, staged(tmp_path))
    assert target.read_text() == "kept"
    assert join_fetch._mark_seq(tmp_path, GROUP) is None


def test_another_users_mark_is_not_trusted(tmp_path):
    join_fetch._mark(tmp_path, GROUP, staged(tmp_path))
    if os.geteuid() != 0:
        pytest.skip("only root can give the file away here")
    os.chown(join_fetch._mark_path(tmp_path, GROUP), 65534, 65534)
    assert join_fetch._mark_seq(tmp_path, GROUP) is None
