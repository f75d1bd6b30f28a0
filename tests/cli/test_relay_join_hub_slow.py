"""A join on a host that holds the group waits through a hub relay that answers late
(docs/relay.md, "A join after an import under load (h-flake1)").

The join asks the hub's relay whether the code's invite is on its way (invite_transit.py)
every 0.25 s, each question with ASK_TIMEOUT (2 s). Under load the hub's loop is held by its
own work (alice's 5,000 imported, scanned and sent: answers measured 2.6-3.9 s late at a load
of 17) and a late answer ended the wait as "no hub relay answers": the join was refused
"... has not arrived yet (try again ...)" while the hub said "held" each time it answered.
Here the hub's relay is stopped (SIGSTOP, as a loaded host holds it) through the join's
first question, and B's relay with it (so that the invite is not applied on B meanwhile).
Hub A and leaf B on loopback, real relays and nats-servers."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from peers_tui.core.invites import parse_code
from peers_tui.relay.invite_transit import ASK_TIMEOUT, invite_in_file
from tests.cli.test_relay_join_after_import import carol_a_member_on_b
from tests.cli.test_relay_join_invite_at_hub import stop_relay_after_a_write
from tests.relay_helpers import federation, stop_all, wait_for

pytestmark = pytest.mark.slow

STOPPED = ASK_TIMEOUT + 1.0  # seconds the hub's relay does not answer: past one question


def test_a_join_waits_through_a_hub_relay_that_answers_late(tmp_path):
    hosts = federation(tmp_path, ("A", "B"))
    hub, leaf = hosts
    try:
        alice, bob, group_id = carol_a_member_on_b(hosts)
        wait_for(lambda: hub.status().get("unsent") == 0, timeout=60, what="A all sent")
        b_relay = stop_relay_after_a_write(leaf)  # B's link file answers 5 s from its write
        code = alice.ok("invite", "big").out.strip()
        key = parse_code(code).key.public_id
        assert invite_in_file(hub.hub / f"{group_id}.db", key)  # made on the hub: "held"
        assert not invite_in_file(leaf.hub / f"{group_id}.db", key)
        os.kill(hub.process.pid, signal.SIGSTOP)

        def resume() -> None:
            os.kill(hub.process.pid, signal.SIGCONT)
            os.kill(b_relay, signal.SIGCONT)
        resumed = threading.Timer(STOPPED, resume)
        try:
            resumed.start()
            began = time.monotonic()
            joined = bob.spawn("join", code, timeout=60)
            took = time.monotonic() - began
        finally:
            resumed.cancel()
            resume()
        print(f"join took {took:.1f} s: {joined.err.strip()}")
        assert joined.code == 0, joined.err  # refused after ~2 s before (the first question)
        assert took >= STOPPED, took  # (it waited through the stop, not before it)
        assert "big" in bob.ok("groups").out
    finally:
        stop_all(hosts)
