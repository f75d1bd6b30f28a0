"""One membership order across hosts, asked for before anything is written: a leaf's
membership change lands in its file only once the hub's sequencer accepted it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import User
from tests.relay_helpers import Host, federation, stop_all, team_on_three_hosts, wait_for


def membership_rows(host: Host, group_id: str) -> list[tuple[int, str]]:
    with sqlite3.connect(host.hub / f"{group_id}.db") as db:
        return list(db.execute("SELECT seq, record FROM group_members ORDER BY seq"))


def set_aside(host: Host, group_id: str) -> list[tuple[int]]:
    with sqlite3.connect(host.hub / f"{group_id}.db") as db:
        return list(db.execute("SELECT seq FROM set_aside_changes"))


READY_THEN_LEAVE = """
import sys
import nats, peers_tui.core.account, peers_tui.relay.ordering, peers_tui.relay.commands
from peers_tui.cli import main
print("ready", flush=True)
sys.stdin.readline()
sys.exit(main(["leave", "team"]))
"""


def team_joined_on_both_leaves(hub: Host, b: Host, c: Host) -> tuple[User, User, User, str]:
    """team_on_three_hosts, once both joins are in the leaves' own files too."""
    alice, bob, carol, group_id = team_on_three_hosts(hub, b, c)
    for host in (b, c):
        wait_for(lambda host=host: len(membership_rows(host, group_id)) == 2,
                 what=f"both joins on {host.name}")
    return alice, bob, carol, group_id


def write_locked(path: Path) -> bool:
    """Whether another process holds the file's write lock right now."""
    db = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        db.close()


def test_a_race_between_two_leaves_ends_in_one_chain_with_no_local_fork(tmp_path):
    """bob on leaf B and carol on leaf C leave at the same moment. The hub's relay is held
    (SIGSTOP) while both ask, so both changes are signed against the same head: nothing is
    in either leaf's file while they wait; the hub answers one, then the other "stale"; the
    loser's command re-signs after the winner's change and its file holds exactly the hub's
    chain the moment it returns. No host ever refused or quarantined anything."""
    hub, b, c = federation(tmp_path, ("A", "B", "C"))
    try:
        alice, bob, carol, group_id = team_joined_on_both_leaves(hub, b, c)
        before = membership_rows(hub, group_id)
        assert len(before) == 2

        # Both commands loaded and waiting for a line, so they ask within moments of each
        # other (a start-up under load can take longer than the leaf's request timeout).
        leaves = [subprocess.Popen([sys.executable, "-c", READY_THEN_LEAVE], env=user.env(),
                                   text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE) for user in (bob, carol)]
        for proc in leaves:
            assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        assert hub.process is not None
        os.kill(hub.process.pid, signal.SIGSTOP)  # its nats-server runs on: requests queue
        try:
            for proc in leaves:
                assert proc.stdin is not None
                proc.stdin.write("go\n")
                proc.stdin.flush()
            files = [h.hub / f"{group_id}.db" for h in (b, c)]
            steady = [0.0]

            def both_waiting() -> bool:
                """Each leaf holds its file's write lock or wrote its change, for 0.3 s on
                end (a commit takes the lock for a moment too)."""
                now = time.monotonic()
                if not all(write_locked(f) or len(membership_rows(h, group_id)) > 2
                           for f, h in zip(files, (b, c))):
                    steady[0] = 0.0
                    return False
                steady[0] = steady[0] or now
                return now - steady[0] >= 0.3

            wait_for(both_waiting, timeout=20, what="both leaves to be waiting for the hub")
            for host in (b, c):  # asked first: nothing written while the hub has not answered
                assert membership_rows(host, group_id) == before, host.name
        finally:
            os.kill(hub.process.pid, signal.SIGCONT)
        results = [proc.communicate(timeout=60) for proc in leaves]
        assert [proc.returncode for proc in leaves] == [0, 0], results
        lost = [i for i, (_, err) in enumerate(results) if "reached the hub first" in err]
        assert len(lost) == 1, results
        loser = (b, c)[lost[0]]
        final = membership_rows(hub, group_id)
        assert len(final) == 4
        assert membership_rows(loser, group_id) == final  # right after its command returned
        assert set_aside(loser, group_id) == []
        for host in (b, c):
            wait_for(lambda host=host: membership_rows(host, group_id) == final,
                     what=f"the hub's chain on {host.name}")
        for user in (alice, bob, carol):
            assert user.run("verify", "team").code == 0, user.run("verify", "team").out
            members = {m["handle"]: m["state"] for m in
                       user.ok("members", "team", "--json", "--all").json()}
            assert members == {"alice": "active", "bob": "left", "carol": "left"}
        assert all(host.status()["rejected"] == {} for host in (hub, b, c))
    finally:
        stop_all([hub, b, c])


def test_a_handle_change_made_offline_waits_for_the_link_and_never_blocks_a_send(tmp_path):
    """bob on leaf B changes his handle while the hub is down: the command succeeds at once
    and says the change waits; his send goes out at once; nothing is written to the
    membership log here until the hub ordered it; when the hub is back the kept change is
    proposed by B's relay and both hosts end with the same log, bob named 'robert'."""
    import time

    from tests.cli.test_lean_send import spawn_send
    from tests.cli.test_relay import joined

    hub, leaf = made = federation(tmp_path)
    try:
        alice, bob, group_id = joined(hub, leaf)
        before = membership_rows(leaf, group_id)
        hub.stop()
        wait_for(lambda: not leaf.link_up(), what="the leaf to see the cut")
        started = time.monotonic()
        changed = bob.ok("id", "--handle", "robert")
        assert "waits for the hub" in changed.err, changed.err
        assert changed.err.count("\n") == 1  # one line
        sent, modules = spawn_send(bob, "team", "sent while cut off")
        assert sent.returncode == 0, sent.stderr
        assert "peewee" not in modules  # the lean path: the kept change is not signed again
        assert time.monotonic() - started < 5
        assert membership_rows(leaf, group_id) == before  # kept, not written: no fork
        assert [m["handle"] for m in bob.ok("members", "team", "--json").json()] == ["alice", "bob"]
        hub.start()
        for user in (alice, bob):
            wait_for(lambda user=user: {m["handle"] for m in user.ok(
                "members", "team", "--json").json()} == {"alice", "robert"},
                what=f"the handle change at {user.name}'s host")
        wait_for(lambda: "sent while cut off" in [m["body"] for m in alice.ok(
            "log", "team", "--json").json()], what="the message at the hub")
        rows = membership_rows(hub, group_id)
        wait_for(lambda: membership_rows(leaf, group_id) == rows, what="one log on both")
        assert len(rows) == len(before) + 1
        for user in (alice, bob):
            assert user.run("verify", "team").code == 0
        assert all(host.status()["rejected"] == {} for host in made)
        assert not list((leaf.hub / ".relay" / "held").glob("*.json"))
        online = bob.ok("id", "--handle", "bobby")  # link up: ordered by the hub at once
        assert online.err == ""
        assert {m["handle"] for m in bob.ok("members", "team", "--json").json()} == {"alice", "bobby"}
        wait_for(lambda: {m["handle"] for m in alice.ok("members", "team", "--json").json()}
                 == {"alice", "bobby"}, what="the online handle change on A")
    finally:
        stop_all(made)


def test_a_change_the_hub_accepted_reaches_its_host_even_if_the_command_died(tmp_path):
    """bob's `peers leave` on leaf B is killed while it waits for the hub's answer (the hub's
    relay held with SIGSTOP): the hub still orders the change it was asked, and B's relay
    writes it from the federation stream, so B's log does not stop one change short."""
    from tests.cli.test_relay import joined

    hub, leaf = made = federation(tmp_path)
    try:
        alice, bob, group_id = joined(hub, leaf)
        before = membership_rows(leaf, group_id)
        proc = subprocess.Popen([sys.executable, "-c", READY_THEN_LEAVE], env=bob.env(),
                                text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        assert hub.process is not None and proc.stdin is not None
        os.kill(hub.process.pid, signal.SIGSTOP)
        try:
            proc.stdin.write("go\n")
            proc.stdin.flush()
            wait_for(lambda: write_locked(leaf.hub / f"{group_id}.db"), what="bob's leave asking")
            time.sleep(1)  # its request is out (the lock is taken before it is sent)
            assert write_locked(leaf.hub / f"{group_id}.db") and proc.poll() is None
            proc.kill()
            proc.wait(timeout=10)
            assert membership_rows(leaf, group_id) == before
        finally:
            os.kill(hub.process.pid, signal.SIGCONT)
        wait_for(lambda: len(membership_rows(hub, group_id)) == len(before) + 1,
                 what="the change at the hub")
        wait_for(lambda: membership_rows(leaf, group_id) == membership_rows(hub, group_id),
                 what="the hub's change written on B")
        states = {m["handle"]: m["state"] for m in
                  alice.ok("members", "team", "--json", "--all").json()}
        assert states == {"alice": "active", "bob": "left"}
        for user in (alice, bob):
            assert user.run("verify", "team").code == 0
    finally:
        stop_all(made)
