"""A relay that runs but has stopped reporting (eleventh acceptance pass): with its hub's disk
full it could write neither its status nor `.link.json`, and `peers relay status` said
"relay not running on this host E (leaf; last seen 22s ago): start it with 'peers relay'"
(exit 3), which `peers relay` then refused, "a relay already runs for this hub (pid N)"; a
membership command said to start it too. It holds the run lock all along (as when SIGSTOPped,
the stand-in here: a full disk needs a mount): the line says it runs and what may be wrong,
and the exit is 4 (LSB "status unknown"). Real relays and nats-servers on loopback."""

from __future__ import annotations

import json
import os
import signal

from tests.relay_helpers import wait_for


def test_a_relay_that_holds_its_lock_but_reports_nothing_is_not_called_stopped(hosts):
    hub, leaf = hosts
    alice = hub.user("alice")
    alice.ok("create", "team")
    hub.start()
    leaf.start()
    wait_for(leaf.link_up, what="B's link")
    bob = leaf.user("bob")
    bob.ok("join", alice.ok("invite", "team").out.strip())
    pid = leaf.process.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        wait_for(lambda: not leaf.status().get("running"), timeout=20, what="a stale status")
        result = leaf.peers().run("relay", "status")
        assert result.code == 4, result
        [line] = result.err.strip().splitlines()
        assert f"runs (pid {pid}) but has reported nothing for" in line, line
        assert "start it" not in line, line
        as_json = leaf.peers().run("relay", "status", "--json")
        assert as_json.code == 4 and json.loads(as_json.out)["silent_pid"] == pid, as_json
        again = leaf.peers().run("relay")  # what the old line said to do
        assert again.code == 1 and f"already runs for this hub (pid {pid})" in again.err
        refused = bob.fails("leave", "team")
        assert f"this host's relay (pid {pid}) has reported nothing" in refused.err, refused
        assert "start it" not in refused.err, refused
    finally:
        os.kill(pid, signal.SIGCONT)
    wait_for(lambda: leaf.status().get("running"), what="the relay reporting again")
    assert leaf.peers().run("relay", "status").code == 0
    leaf.stop()  # stopped for good: "not running", exit 3, as before
    wait_for(lambda: leaf.peers().run("relay", "status").code == 3, what="exit 3")
    assert "silent_pid" not in leaf.status()
