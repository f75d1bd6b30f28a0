"""A join made while this host's relay is still catching up on the federation stream: the
intake must pass over the history the join's walk reads itself (relay/walk_reach.py)."""

from __future__ import annotations

import signal
import sqlite3
import time
from contextlib import closing

import pytest

from tests.cli.test_relay_backfill import MESSAGES, bodies_in, heads, published_on_the_hub
from tests.cli.test_relay_backfill import two_hosts  # noqa: F401 (the fixture)
from tests.relay_helpers import wait_for


def bodies_count(path) -> int:
    """`len(bodies_in(path, ...))` counted by SQLite (NULL once, as the set holds it): the
    loop below looks every 20 ms, and building the set of 10,000 bodies in Python each time
    cost ~0.5 s of this test's CPU (docs/performance.md, "Test suite time, ninth pass")."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return int(db.execute("SELECT COUNT(DISTINCT body) + EXISTS (SELECT 1 FROM message"
                              " WHERE body IS NULL) FROM message").fetchone()[0])


def waiting_count(relay_db) -> int:
    try:
        with sqlite3.connect(f"file:{relay_db}?mode=ro", uri=True, timeout=1) as db:
            return int(db.execute("SELECT COUNT(*) FROM waiting").fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_a_relay_behind_the_stream_when_the_join_came_does_not_apply_the_history_again(two_hosts):
    hub, leaf = two_hosts
    alice, _bob, group_id, code = published_on_the_hub(hub, leaf)
    carol = leaf.user("carol")
    carol.ok("join", code)
    # The relay dies before its walk is far, and comes back behind the stream: as a new
    # leaf's relay is while it reads the federation stream from its start (the join came
    # while it was still passing over the groups it had no file of).
    leaf.stop(signal.SIGKILL)
    relay_db = leaf.hub / ".relay" / "relay.db"
    with sqlite3.connect(relay_db) as db:
        db.execute("UPDATE positions SET value = 0 WHERE key = 'fed'")
    assert "imported 0" not in bodies_in(leaf.hub / f"{group_id}.db", group_id)
    leaf.start()
    most, deadline = 0, time.monotonic() + 120
    while bodies_count(leaf.hub / f"{group_id}.db") < MESSAGES + 5:
        most = max(most, waiting_count(relay_db))
        assert time.monotonic() < deadline, "the whole history on C"
        time.sleep(0.02)
    wait_for(lambda: "earlier history not yet received" not in carol.ok("log", "team", "--limit", "5").err,
             timeout=60, what="the frontier closed")
    # Applied oldest first beside the walk, the history lowered the authors' floors below
    # the walk, whose own pages then waited for predecessors by the thousand.
    assert most == 0, f"{most} records waited at once"
    assert carol.run("verify", "team").code == 0
    wait_for(lambda: heads(carol) == heads(alice), what="the same log on both hosts")
    assert leaf.status().get("rejected", {}) == {}, leaf.peers().run("relay", "rejected").out
