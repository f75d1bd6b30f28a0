"""One single-use invite used at the same moment on two hosts (fifteenth attack pass): dave
on leaf B and erin on leaf C join with the same one-use code while the hub's relay is held
(SIGSTOP), so both joins are signed against the same membership head. The hub orders one;
the other command re-signs against the new head, where the invite is used up, and ends in
one line. Every host ends with one chain and one new member, and nothing is refused."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

import pytest

from tests.cli.test_relay_ordering import membership_rows, team_joined_on_both_leaves
from tests.relay_helpers import Host, federation, stop_all, wait_for

pytestmark = [pytest.mark.slow]

READY_THEN_JOIN = """
import sys
import nats, peers_tui.core.account, peers_tui.relay.ordering, peers_tui.relay.commands
from peers_tui.cli import main
print("ready", flush=True)
sys.stdin.readline()
sys.exit(main(["join", sys.argv[1]]))
"""


def invites_in(host: Host, group_id: str) -> int:
    with closing(sqlite3.connect(host.hub / f"{group_id}.db")) as db:
        return int(db.execute("SELECT COUNT(*) FROM invite WHERE kind = 'invite'").fetchone()[0])


def test_a_single_use_invite_used_on_two_hosts_at_once_admits_one(tmp_path):
    hub, b, c = federation(tmp_path, ("A", "B", "C"))
    try:
        alice, bob, carol, group_id = team_joined_on_both_leaves(hub, b, c)
        code = alice.ok("invite", "team").out.strip()  # one use
        # Both leaves hold the invite before the joins (each join carries it from its own
        # file): a CI's join found it not arrived yet, a test race, not the one tested here.
        wait_for(lambda: invites_in(b, group_id) == invites_in(c, group_id)
                 == invites_in(hub, group_id), what="the invite on B and C")
        dave, erin = b.user("dave"), c.user("erin")
        joiners = [subprocess.Popen([sys.executable, "-c", READY_THEN_JOIN, code],
                                    env=user.env(), text=True, stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                   for user in (dave, erin)]
        for proc in joiners:
            assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        assert hub.process is not None
        os.kill(hub.process.pid, signal.SIGSTOP)
        try:
            for proc in joiners:
                assert proc.stdin is not None
                proc.stdin.write("go\n")
                proc.stdin.flush()
            time.sleep(1.5)  # both ask while the hub cannot answer
        finally:
            os.kill(hub.process.pid, signal.SIGCONT)
        results = [proc.communicate(timeout=60) for proc in joiners]
        codes = sorted(proc.returncode for proc in joiners)
        assert codes[0] == 0 and codes[1] != 0, results
        [(_, err)] = [r for proc, r in zip(joiners, results) if proc.returncode != 0]
        assert err == "peers: invite was used up\n", err
        final = membership_rows(hub, group_id)
        assert len(final) == 3
        for host in (b, c):
            wait_for(lambda host=host: membership_rows(host, group_id) == final,
                     what=f"the hub's chain on {host.name}")
        members = None
        for user in (alice, bob, carol):
            assert user.run("verify", "team").code == 0, user.run("verify", "team").out
            now = sorted(m["handle"] for m in user.ok("members", "team", "--json").json())
            assert members in (None, now)
            members = now
        assert members is not None and len(members) == 4 and (
            ("dave" in members) != ("erin" in members)), members
        assert all(host.status()["rejected"] == {} for host in (hub, b, c))
    finally:
        stop_all([hub, b, c])
