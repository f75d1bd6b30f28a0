"""A group file deleted or moved away while its group is quiet is told at once.

No write follows a deletion, and a group with no event lately is not swept (core.sweep_plan):
the notifier watched for writes and files moved in only, so a file deleted under an idle app
was never told, and the app never said it was missing (test_error_reports' deleted group file,
failing under load: the deletion came after the group's last settling sweep). A reader's -wal
and -shm, made and removed at every connection, are still no event."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

from peers_tui.core.notifier import ChangeNotifier
from tests.core.test_notifier_idle import group_file


@pytest.mark.parametrize("how", ["deleted", "moved away"])
def test_a_quiet_groups_file_gone_is_told_at_once(tmp_path: Path, how: str):
    path = group_file(tmp_path / "g.db")
    notifier = ChangeNotifier(sweep_interval=0.2)
    try:
        notifier.watch("g", path)
        assert notifier.wait(timeout=0.5) == set()  # quiet: nothing is swept
        started = time.monotonic()
        if how == "deleted":
            path.unlink()
        else:
            os.rename(path, tmp_path / "elsewhere.db")
        assert notifier.wait(timeout=5) == {"g"}
        assert time.monotonic() - started < 1  # told by inotify, not found by a sweep
    finally:
        notifier.close()


def test_a_readers_wal_made_and_removed_is_no_change(tmp_path: Path):
    path = group_file(tmp_path / "g.db")
    notifier = ChangeNotifier(sweep_interval=0.2)
    try:
        notifier.watch("g", path)
        for _ in range(3):  # each opens the WAL (making -wal and -shm) and removes it at close
            reader = sqlite3.connect(path)
            reader.execute("SELECT count(*) FROM message").fetchone()
            reader.close()
        assert not (tmp_path / "g.db-wal").exists()
        assert notifier.wait(timeout=1) == set()
    finally:
        notifier.close()
