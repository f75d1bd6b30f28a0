"""LiveFeed and the cached roster: what the running app reads at every commit."""

from __future__ import annotations

import os
import sqlite3

from peers_tui.core.account import Account
from peers_tui.core.live_feed import LiveFeed
from tests.conftest import User


def open_fds_on(path) -> int:
    target = str(path)
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith(target):
                count += 1
        except OSError:
            pass
    return count


def test_feed_reads_each_commit_once_and_lets_the_file_go(alice: User, bob: User, team):
    reader = Account(alice.home, alice.hub)
    store = reader.store(reader.resolve("team"))
    feed = LiveFeed(store, store.last_rowid())
    assert feed.read().views == []
    bob.spawn("send", "team", "first")  # another process
    batch = feed.read()
    assert [v.body for v in batch.views] == ["first"] and batch.group_id == team
    assert feed.read().views == []
    writer = Account(bob.home, bob.hub)
    writer.send("team", "second")
    writer.send("team", "third")
    assert [v.body for v in feed.read().views] == ["second", "third"]
    assert open_fds_on(store.path) >= 1  # kept open between reads on this thread
    feed.release()
    assert open_fds_on(store.path) == 0


def test_membership_mark_moves_with_joins_and_tampering(alice: User, bob: User, carol: User,
                                                        team):
    reader = Account(alice.home, alice.hub)
    store = reader.store(reader.resolve("team"))
    before = store.membership_mark()
    assert set(store.current_roster().members) == {reader.user_id, Account(bob.home, bob.hub).user_id}
    code = alice.ok("invite", "team").out.strip()
    assert store.membership_mark() != before  # an invite alone moves it
    carol.ok("join", code)
    carol_id = Account(carol.home, carol.hub).user_id
    assert carol_id in store.current_roster().members
    # Someone with write access deletes carol's join: the cached roster must not survive it.
    with sqlite3.connect(store.path) as db:
        db.execute("DELETE FROM group_members WHERE member = ?", (carol_id,))
    assert carol_id not in store.current_roster().members
