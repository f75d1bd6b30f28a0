"""A join on a host that holds the group, with a code made on another leaf a moment before:
the invite has reached the hub but not yet this host (docs/relay.md, "A randomized soak of
three hosts", "Left, minor", and "A join waits for an invite the hub holds").

Hub A, leaves B and C, 'team' on all three. C's relay is stopped (SIGSTOP, as a loaded host
holds it) before bob makes the code on B, so the invite reaches the hub and not C: C's
nats-server runs on, and through it the join asks the hub (invite_transit.py) and has its
change ordered there. Real relays and nats-servers on loopback."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from peers_tui.core.invites import parse_code
from peers_tui.core.link_state import read_link_state
from peers_tui.relay.invite_transit import invite_in_file
from tests.relay_helpers import three_hosts, wait_for

pytestmark = pytest.mark.slow


def test_a_join_waits_for_an_invite_the_hub_holds_and_this_host_lacks(tmp_path):
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        alice, bob = hub.user("alice"), b.user("bob")
        alice.ok("role", "team", "bob", "admin")
        wait_for(lambda: any(m.get("role") == "admin" and m.get("handle") == "bob"
                             for m in bob.ok("members", "team", "--json").json()),
                 what="bob an admin on B")
        dave = c.user("dave")
        wait_for(lambda: (state := read_link_state(c.hub)) is not None and state.up
                 and state.answers(), timeout=30, what="C's link file: up")
        relay = c.process.pid
        os.kill(relay, signal.SIGSTOP)
        stopped = time.monotonic()
        resumed = threading.Timer(4.0, os.kill, (relay, signal.SIGCONT))
        try:
            code = bob.ok("invite", "team").out.strip()
            key = parse_code(code).key.public_id
            wait_for(lambda: invite_in_file(hub.hub / f"{group_id}.db", key), timeout=30,
                     what="the invite in the hub's file")
            assert not invite_in_file(c.hub / f"{group_id}.db", key)
            resumed.start()
            began = time.monotonic()
            joined = dave.spawn("join", code, timeout=120)
            took = time.monotonic() - began
        finally:
            resumed.cancel()
            os.kill(relay, signal.SIGCONT)
        print(f"join took {took:.1f} s (C's relay stopped {began - stopped:.1f} s before)")
        assert joined.code == 0, joined.err
        assert "team" in dave.ok("groups").out
