"""The 1 s sweep catches a commit that became visible only after every re-check had looked."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from peers_tui.core.account import Account
from peers_tui.core.notifier import ChangeNotifier, Token
from tests.conftest import User


class PreemptedWriter(ChangeNotifier):
    """Reads before `visible_at` see the old content: what happens when the writing process is
    preempted between writing its commit to the WAL and publishing it in the WAL index (the
    files are as they will stay; only the index, in shared memory, changes later). On a busy
    machine that gap outlasts the 16 ms of re-checks."""

    visible_at = 0.0

    def _read_token(self, group_id: str, path: Path, reader: sqlite3.Connection | None) -> Token:
        if time.monotonic() < self.visible_at:
            return self._tokens[group_id]
        return super()._read_token(group_id, path, reader)


def test_a_commit_published_after_the_rechecks_is_found_by_the_sweep(alice: User, team):
    path = alice.hub / f"{team}.db"
    # Another process keeps the group open (a running TUI): the writer's commit is its only
    # write; no checkpoint follows when the writer closes, nothing wakes the watcher again.
    keeper = sqlite3.connect(path)
    keeper.execute("SELECT count(*) FROM message").fetchone()
    notifier = PreemptedWriter()
    try:
        notifier.watch(team, path)
        notifier.wait(timeout=0.05)
        notifier.visible_at = time.monotonic() + 0.3
        Account(alice.home, alice.hub).send("team", "published late")
        deadline, seen = time.monotonic() + 3.0, set()
        while team not in seen and time.monotonic() < deadline:
            seen |= notifier.wait(timeout=max(0.0, deadline - time.monotonic()))
        assert team in seen, "the commit was never reported"
    finally:
        notifier.close()
        keeper.close()
