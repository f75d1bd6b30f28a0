"""The hub republishes a leaf's messages before it commits them to its own file (relay/intake.py,
`_republish_first`): the path B -> hub -> C does not wait for the hub's commit. Killed -9
between the publish and the commit, the hub applies the record again at its restart (it is
still in B's inbound stream, the hub's position before it), and every host ends with it once.

Three hosts on loopback (hub A, leaves B and C, real nats-server and relays). The hub's relay
stops itself between the publish and the commit when PEERS_RELAY_STOP_BEFORE_COMMIT is set.
"""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

import pytest

from tests.relay_helpers import bodies, three_hosts, wait_for

pytestmark = pytest.mark.slow


def stopped(pid: int) -> bool:
    with open(f"/proc/{pid}/stat") as proc:
        return proc.read().rpartition(")")[2].split()[0] == "T"


def rows(file: Path, body: str) -> int:
    """How many rows of the group file hold this body (read only: the stopped relay holds the
    file's write lock)."""
    with sqlite3.connect(f"file:{file}?mode=ro", uri=True) as db:
        return int(db.execute("SELECT count(*) FROM message WHERE body = ?", (body,)).fetchone()[0])


def test_the_hub_killed_between_its_republish_and_its_commit_loses_and_doubles_nothing(
        tmp_path, monkeypatch):
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        alice, bob, carol = hub.user("alice"), b.user("bob"), c.user("carol")
        try:
            hub.stop()
            monkeypatch.setenv("PEERS_RELAY_STOP_BEFORE_COMMIT", "1")
            hub.start()
            monkeypatch.delenv("PEERS_RELAY_STOP_BEFORE_COMMIT")
            wait_for(b.link_up, what="B's link back")
            wait_for(c.link_up, what="C's link back")
            assert hub.process is not None
            pid = hub.process.pid

            bob.ok("send", "team", "published before the hub's commit")
            wait_for(lambda: stopped(pid), timeout=30,
                     what="the hub's relay to stop before its commit")
            # C has it from the federation while the hub's file does not: published first.
            wait_for(lambda: "published before the hub's commit" in bodies(carol), timeout=30,
                     what="the message on C while the hub has not committed it")
            files = {host.name: host.hub / f"{group_id}.db" for host in hosts}
            assert rows(files["A"], "published before the hub's commit") == 0

            hub.stop(signal.SIGKILL)
            hub.start()
            wait_for(lambda: rows(files["A"], "published before the hub's commit") == 1,
                     timeout=30, what="the hub to apply the record again after its restart")
            bob.ok("send", "team", "after the restart")
            expected = ["welcome", "published before the hub's commit", "after the restart"]
            wait_for(lambda: all(bodies(user) == expected for user in (alice, bob, carol)),
                     timeout=30, what="every host with the three messages once, in order")
            for name, file in files.items():
                assert [rows(file, body) for body in expected] == [1, 1, 1], name
            assert hub.status()["rejected"] == {}
            for user in (alice, bob, carol):
                assert user.ok("verify", "team").code == 0
        finally:
            if hub.process is not None and hub.process.poll() is None and stopped(
                    hub.process.pid):
                hub.stop(signal.SIGKILL)  # a stopped relay does not act on SIGTERM
