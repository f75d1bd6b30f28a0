"""A leaf's membership change that comes after a join at the hub with a fresh invite.

The hub answers a change signed against an old head "stale", with its changes from there on;
the leaf writes them (hub_head.catch_up) and signs the change again. A join among them that
names an invite this leaf did not have yet (made at the hub a moment before, still on its way
through the federation) could not be written: "join names an unknown invite". The second
try was stale again and the command failed; a handle change kept for the hub and signed
again by its author's app failed the same way and then waited for the author's next message
(tests/tui/test_held_handle_resign.py, the join at the hub, failed so on main 3 times in 3).
Now the hub's answer carries the invites its joins name (join_invites.invite_records).

Hosts on loopback with real relays: B's relay is stopped (SIGSTOP) while dave joins at the
hub, so B's file cannot hear of his invite from the federation; B's nats-server, a process
of its own, still carries bob's request to the hub.
"""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from tests.cli.test_relay import joined
from tests.relay_helpers import federation, paused_between_writes, stop_all, wait_for

pytestmark = pytest.mark.slow


def handles(user) -> set[str]:
    return {m["handle"] for m in user.ok("members", "team", "--json").json()}


def test_a_change_after_a_join_with_a_fresh_invite_at_the_hub_goes_through(tmp_path):
    hub, leaf = hosts = federation(tmp_path)
    stopped = False
    try:
        alice, bob, group_id = joined(hub, leaf)
        status = leaf.hub / ".relay" / "status.json"
        # Just after B's relay wrote its status: bob's command takes it for running (5 s).
        wait_for(lambda: time.time() - json.loads(status.read_text())["updated"] < 0.3,
                 what="a fresh status of B's relay")
        # between writes of B's file, which bob's leave writes (inside one, it waited on the
        # lock)
        paused_between_writes(leaf, group_id)
        stopped = True
        dave = hub.user("dave")
        dave.ok("join", alice.ok("invite", "team").out.strip())
        left = bob.run("leave", "team")
        os.kill(leaf.process.pid, signal.SIGCONT)
        stopped = False
        assert left.code == 0, left.err
        assert "done again after that one" in left.err
        wait_for(lambda: handles(alice) == {"alice", "dave"}, what="bob's leave on A")
    finally:
        if stopped:
            os.kill(leaf.process.pid, signal.SIGCONT)
        stop_all(hosts)
