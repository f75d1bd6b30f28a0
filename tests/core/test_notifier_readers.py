"""The notifier's reader of a group being written stays open between its commits (opening one
cost ~0.25 ms at every message of a live group) and is let go once the group is quiet."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from peers_tui.core import notifier as notifier_module
from peers_tui.core.notifier import ChangeNotifier
from tests.conftest import User


def descriptors_on(path: Path) -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == str(path):
                count += 1
        except OSError:
            pass
    return count


WRITER = """
import sqlite3, sys
writer = sqlite3.connect(sys.argv[1], isolation_level=None)
for text in sys.stdin:
    writer.execute("INSERT INTO message (id, author, author_seq, kind, created_at, body, record,"
                   " sig) VALUES (?, 'x', ?, 'msg', 0, '', '', x'')", (text.strip(), text.strip()))
    print("committed", flush=True)
"""


class Writer:
    """Another process that commits a row (what it is does not matter to the notifier) when
    told: at once, so inotify tells of it, not the sweep; and its descriptors are not ours
    (SQLite keeps a closed descriptor of a file open while the process holds locks on it)."""

    def __init__(self, path: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)

    def commit(self, text: str) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline().strip()
        assert line == "committed", self.proc.stderr.read() if self.proc.stderr else line

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def wait_for(notifier: ChangeNotifier, group_id: str, seconds: float = 5.0) -> None:
    deadline, seen = time.monotonic() + seconds, set()
    while group_id not in seen and time.monotonic() < deadline:
        seen |= notifier.wait(timeout=max(0.0, deadline - time.monotonic()))
    assert group_id in seen, "the commit was never reported"


def test_a_written_groups_reader_outlives_its_rechecks_and_goes_when_quiet(
        alice: User, team: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(notifier_module, "READER_KEEP", 0.3, raising=False)
    path = alice.hub / f"{team}.db"
    writer = Writer(path)  # a relay applying records, say
    notifier = ChangeNotifier(sweep_interval=0.1)
    try:
        notifier.watch(team, path)
        notifier.wait(timeout=0.05)
        before = descriptors_on(path)
        writer.commit("first")
        wait_for(notifier, team)
        notifier.wait(timeout=0.05)  # past every re-check of that commit (16 ms)
        assert descriptors_on(path) == before + 1, "the reader was closed with the re-checks"
        writer.commit("second")  # read through the same connection
        wait_for(notifier, team)
        assert descriptors_on(path) == before + 1
        notifier.wait(timeout=0.6)  # quiet for longer than READER_KEEP: a sweep lets it go
        assert descriptors_on(path) == before
    finally:
        notifier.close()
        writer.close()



def test_a_kept_reader_of_a_file_since_renamed_over_is_opened_afresh(
        alice: User, team: str, monkeypatch: pytest.MonkeyPatch):
    """`mv restored.db <group>.db` while the group is being written: a reader kept open still
    reads the old file, and the writes to the new one would keep it kept (and blind)."""
    path = alice.hub / f"{team}.db"
    writer = Writer(path)
    notifier = ChangeNotifier(sweep_interval=0.1)
    try:
        notifier.watch(team, path)
        notifier.wait(timeout=0.05)
        writer.commit("first")
        wait_for(notifier, team)
        notifier.wait(timeout=0.05)  # its writes read too (a sweep may have told first)
        kept = notifier._readers[team]
        real = notifier_module.stat_token

        def renamed_over(target: Path) -> tuple[object, ...]:  # another inode at that name
            db, wal = real(target)
            assert isinstance(db, tuple)
            return (db[0] + 1, *db[1:]), wal

        monkeypatch.setattr(notifier_module, "stat_token", renamed_over)
        writer.commit("second")
        wait_for(notifier, team)
        assert notifier._readers[team] is not kept
    finally:
        notifier.close()
        writer.close()
