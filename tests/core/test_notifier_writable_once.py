"""Whether a group's file may be written is asked once, when the notifier opens the reader it
keeps while the group is written (core.held_readers), not at every look: a backfill's page is
looked at ~8 times, and each look asked it again (an lstat, a statvfs and an access: 24
syscalls a page on the app's watcher thread, h-backfillecho). A file that may not be written
is still never read through a kept connection (it would be an immutable snapshot)."""

from __future__ import annotations

import os
import time
from typing import Any

from tests.conftest import User
from tests.core.test_notifier_large_commit import stop, tell, watched_writer


def test_a_written_group_is_asked_whether_it_may_be_written_once_not_per_look(
        alice: User, team: str, monkeypatch: Any):
    path = alice.hub / f"{team}.db"
    asked: list[str] = []
    statvfs = os.statvfs

    def counting(target: Any) -> Any:
        if str(target) == str(path):
            asked.append(str(target))
        return statvfs(target)
    monkeypatch.setattr(os, "statvfs", counting)
    writer, notifier, watching = watched_writer(path, team)
    try:
        started = time.monotonic()
        tell(writer, "big")  # a page written over tens of milliseconds: several looks
        assert watching.reported_after(started), "the commit was never reported"
        sent = time.monotonic()
        tell(writer, "small")  # and a message after it, through the same reader
        assert watching.reported_after(sent), "the message was never reported"
        time.sleep(0.1)
        assert len(watching.looks) >= 6, watching.looks
        # Twice as the reader opens (here, and open_reader's own immutable_reason); main:
        # once more at every look (15 in 14 looks).
        assert len(asked) <= 2, f"asked {len(asked)} times in {len(watching.looks)} looks"
    finally:
        stop(watching, notifier, writer)
