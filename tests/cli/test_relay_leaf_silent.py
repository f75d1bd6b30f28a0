"""The hub says a leaf's link is silent when that leaf's relay is not heard (twenty-seventh
acceptance pass, docs/relay.md, "Four left by the twenty-seventh pass"): with a leaf's
nats-server SIGSTOPped the hub said "link from C: up" 8 s into the stop (its server lists the
connection until three 5 s pings go unanswered). Now `peers relay status` on the hub says
"link from B: silent for 5s" about 5 s into the stop (relay/leaf_heard.py), "up" again once
it runs; and the hub's own relay held for 7 s (SIGSTOP: its event loop, its lock) does not
call its leaves silent when it runs again. Real relays and nats-servers on loopback."""

from __future__ import annotations

import os
import signal
import time

import pytest

from peers_tui.relay.leaf_heard import SILENT_AFTER, LeafHeard
from tests.relay_helpers import team_joined_on_two_hosts, wait_for


def test_the_rule_heard_waiting_and_the_hubs_own_stall():
    heard = LeafHeard()
    assert heard.silent_since("B", 100.0) is None  # never heard on this link: not judged
    heard.asked("B", 100.0)
    heard.answered("B", 100.1)
    assert heard.silent_since("B", 100.1 + SILENT_AFTER - 0.2) is None
    assert heard.silent_since("B", 100.1 + SILENT_AFTER) == 100.1
    heard.asked("B", 106.0)  # a ping waiting for the hub's lock: the leaf is heard
    assert heard.silent_since("B", 120.0) is None
    heard.answered("B", 120.0)
    assert heard.silent_since("B", 125.0) == 120.0
    # The hub's looks, once a second, stop for 8 s: its own stall, moved on for the leaves.
    heard.look(121.0)
    heard.look(129.0)
    assert heard.silent_since("B", 129.0) is None
    heard.look(130.0)
    assert heard.silent_since("B", 132.0) == 127.0  # 120 + the 7 s the hub was away
    heard.linked("B")  # its link made again: not judged until heard on it
    assert heard.silent_since("B", 200.0) is None


def leaf_line(hub) -> str:
    lines = [line for line in hub.peers().ok("relay", "status").out.splitlines()
             if line.startswith("link from B:")]
    return lines[0] if lines else ""


@pytest.mark.slow
def test_the_hub_says_a_leaf_whose_server_is_stopped_is_silent(hosts):
    hub, leaf = hosts
    team_joined_on_two_hosts(hub, leaf)
    wait_for(lambda: leaf_line(hub).startswith("link from B: up for"), what="B up at the hub")
    time.sleep(2)  # pings heard
    server = leaf.nats_pid()
    stopped = time.monotonic()
    os.kill(server, signal.SIGSTOP)
    try:
        wait_for(lambda: leaf_line(hub).startswith("link from B: silent for"), timeout=15,
                 what="B silent at the hub")
        took = time.monotonic() - stopped
        assert SILENT_AFTER - 1.5 < took < SILENT_AFTER + 4, took
        assert hub.status()["leaves"]["B"]["up"] is True  # its server still lists it
    finally:
        os.kill(server, signal.SIGCONT)
    wait_for(lambda: leaf_line(hub).startswith("link from B: up for"), timeout=20,
             what="B heard again at the hub")


@pytest.mark.slow
def test_a_hub_relay_held_for_seconds_calls_no_leaf_silent(hosts):
    hub, leaf = hosts
    team_joined_on_two_hosts(hub, leaf)
    wait_for(lambda: leaf_line(hub).startswith("link from B: up for"), what="B up at the hub")
    time.sleep(2)
    assert hub.process is not None
    hub.process.send_signal(signal.SIGSTOP)  # its loop and lock held; the leaves run on
    time.sleep(SILENT_AFTER + 2)
    hub.process.send_signal(signal.SIGCONT)
    until = time.monotonic() + 4
    while time.monotonic() < until:
        silent = (hub.status().get("leaves") or {}).get("B", {}).get("silent_since")
        assert silent is None, f"B called silent after the hub's own stall: {leaf_line(hub)}"
        time.sleep(0.2)
