"""A group file put in its place while the relay was stopped (docs/relay.md, "A file replaced
while the relay was stopped"; issue 15).

The relay keeps, per group file, how far it read it (positions and their pins) and that it
fetched what passed through the hub before the file was there (`seen:`). A file replaced while
the relay runs is found (its inode) and started over (relay/replaced_files.py); one replaced
while it was stopped keeps the positions of the file before. Here bob's file on leaf B goes back
to a backup taken two messages earlier while B's relay is stopped: what the backup lacks must
come back from the hub, what is written into it afterwards must go out, nothing twice.

This passes on main as it was (2026-12-02): the relay's count against the hub at its start
(relay/census.py, refetch.py) fetches back what the backup lacks ("3 records missing from this
host's file fetched back from the hub" on B's stderr), and the pins bring the position down
below the rows written into it (position_pins.py). It guards that, not a fix.

Hub A (alice) and leaf B (bob) on loopback: real nats-servers, relays and `peers` processes.
"""

from __future__ import annotations

import os
import sqlite3

import pytest

from tests.relay_helpers import bodies, federation, stop_all, wait_for

pytestmark = pytest.mark.slow


def table(path) -> list[tuple[str, str]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return sorted(db.execute("SELECT id, record FROM message"))


@pytest.mark.parametrize("written_after", [False, True], ids=["untouched", "written-after"])
def test_a_file_put_back_while_the_relay_was_stopped_is_read_again(tmp_path, written_after):
    """`untouched`: nobody writes to the file put back (no commit for the relay to notice);
    `written-after`: bob posts into it once the relay is back."""
    hosts = federation(tmp_path, ("A", "B"))
    hub, leaf = hosts
    try:
        alice, bob = hub.user("alice"), leaf.user("bob")
        group_id = alice.ok("create", "team").out.strip()
        code = alice.ok("invite", "team").out.strip()
        hub.start()
        leaf.start()
        wait_for(leaf.link_up, what="B's link")
        wait_for(lambda: bob.run("join", code).code == 0, what="bob's join")
        path, mine = leaf.hub / f"{group_id}.db", hub.hub / f"{group_id}.db"
        users = [alice, bob]

        def everywhere(expected: list[str]) -> bool:
            return all(sorted(bodies(u)) == sorted(expected) for u in users)

        alice.ok("send", "team", "a1")
        bob.ok("send", "team", "b1")
        wait_for(lambda: everywhere(["a1", "b1"]), timeout=30, what="a1 and b1 on both hosts")
        backup = tmp_path / "backup.db"
        with sqlite3.connect(path) as source, sqlite3.connect(backup) as copy:
            source.backup(copy)  # bob's backup of his file
        alice.ok("send", "team", "a2")
        bob.ok("send", "team", "b2")
        wait_for(lambda: everywhere(["a1", "b1", "a2", "b2"]), timeout=30, what="a2 and b2")

        leaf.stop()
        alice.ok("send", "team", "a3")  # while B's relay is stopped
        with sqlite3.connect(path) as db:  # the file whole, no WAL left beside it
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for extra in ("-wal", "-shm"):
            if os.path.exists(f"{path}{extra}"):
                os.remove(f"{path}{extra}")
        os.replace(backup, path)  # put back: a new file (inode) without a2, b2 and a3
        leaf.start()
        expected = ["a1", "b1", "a2", "b2", "a3"]
        if written_after:
            bob.ok("send", "team", "b3")  # written into the file put back
            expected.append("b3")
        wait_for(lambda: everywhere(expected), timeout=60,
                 what="what the backup lacked back on B, and b3 on A")
        wait_for(lambda: table(path) == table(mine), timeout=30, what="one message table")
        assert all(sorted(bodies(u)) == sorted(expected) for u in users)  # nothing twice
        assert leaf.status()["waiting"] == 0 and hub.status()["waiting"] == 0
    finally:
        stop_all(hosts)
