"""The mark a join's fetch leaves beside the join lock (relay/join_fetch.py; docs/relay.md,
"Leftovers, sixth round") in a shared hub another user can write into: a FIFO or a symlink
put at its place neither hangs the join nor is written through, and a mark is trusted only
as a regular file of this user's, or of the relay's owner made for this user's uid (a join
through the relay's desk, h-leafusers2)."""

from __future__ import annotations

import os
import sqlite3
import threading

import pytest

from peers_tui.relay import join_fetch
from peers_tui.relay.group_leftovers import mark_path

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
    os.mkfifo(mark_path(tmp_path, GROUP))
    in_time(lambda: join_fetch._mark(tmp_path, GROUP, staged(tmp_path)))
    assert in_time(lambda: join_fetch._mark_seq(tmp_path, GROUP)) is None


def test_a_symlink_at_the_marks_place_is_not_written_through(tmp_path):
    target = tmp_path / "victim"
    target.write_text("kept")
    mark_path(tmp_path, GROUP).symlink_to(target)
    join_fetch._mark(tmp_path, GROUP, staged(tmp_path))
    assert target.read_text() == "kept"
    assert join_fetch._mark_seq(tmp_path, GROUP) is None


def test_another_users_mark_is_not_trusted(tmp_path):
    join_fetch._mark(tmp_path, GROUP, staged(tmp_path))
    if os.geteuid() != 0:
        pytest.skip("only root can give the file away here")
    os.chown(mark_path(tmp_path, GROUP), 65534, 65534)
    assert join_fetch._mark_seq(tmp_path, GROUP) is None


def test_a_mark_made_for_another_uid_is_not_this_users(tmp_path):
    join_fetch._mark(tmp_path, GROUP, staged(tmp_path), 65534)
    assert join_fetch._mark_seq(tmp_path, GROUP) is None


def test_the_relays_mark_made_for_this_uid_is_this_users(tmp_path):
    """The relay (owner of `.relay/`) fetched the group for this user through its desk."""
    if os.geteuid() != 0:
        pytest.skip("only root can give the files away here")
    (tmp_path / ".relay").mkdir(mode=0o700)
    os.chown(tmp_path / ".relay", 65534, 65534)
    join_fetch._mark(tmp_path, GROUP, staged(tmp_path), os.geteuid())
    os.chown(mark_path(tmp_path, GROUP), 65534, 65534)
    assert join_fetch._mark_seq(tmp_path, GROUP) == 3
    os.chown(tmp_path / ".relay", 0, 0)  # another user's, not the relay's: not trusted
    assert join_fetch._mark_seq(tmp_path, GROUP) is None
