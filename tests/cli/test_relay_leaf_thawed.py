"""A leaf host frozen and resumed does not blame the hub (twenty-eighth acceptance pass): C's
relay and its nats-server SIGSTOPped 10 s, then SIGCONT; carol's top line read `⇅ hub relay
silent 10s` for ~1.2 s, the hub's relay having been heard last before the freeze and not yet
asked again: the leaf's own silence taken for the hub's. Now a leaf whose link loop was held
past its due look (hub_heard.STALL) gives the hub's relay its bound again from the moment it
looks. Real relays and nats-servers on loopback."""

from __future__ import annotations

import os
import signal
import time

import pytest

from peers_tui.core.link_state import read_link_state
from peers_tui.core.link_words import indicator
from peers_tui.relay.hub_heard import SILENT_AFTER, STALL, HubHeard
from tests.relay_helpers import team_joined_on_two_hosts, wait_for

pytestmark = pytest.mark.slow


def test_the_rule_a_held_loop_is_not_the_hubs_silence():
    heard = HubHeard()
    due = time.monotonic() - STALL - 1  # the look was due long ago: this relay was held
    heard.due = due
    assert heard.silent_since(True, heard.heard_at + SILENT_AFTER + 5) is None
    heard.woke(due)  # it looks now: the hub's relay is given the bound from now
    assert heard.silent_since(True, time.time() + 1) is None
    heard.due = time.monotonic()  # on time, and not heard for the bound: silent
    assert heard.silent_since(True, heard.heard_at + SILENT_AFTER) == heard.heard_at


def shown(leaf) -> str:
    return indicator(read_link_state(leaf.hub), True)


def test_a_leaf_frozen_and_resumed_does_not_call_the_hubs_relay_silent(hosts):
    hub, leaf = hosts
    team_joined_on_two_hosts(hub, leaf)
    wait_for(lambda: shown(leaf).startswith("⇅ hub ✓"), what="B's ✓")
    pids = [leaf.process.pid, leaf.nats_pid()]
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    time.sleep(8)
    for pid in reversed(pids):
        os.kill(pid, signal.SIGCONT)
    seen, resumed = [], time.monotonic()
    while time.monotonic() - resumed < 4:
        seen.append(shown(leaf))
        time.sleep(0.05)
    assert not [line for line in seen if "hub relay silent" in line], sorted(set(seen))
    wait_for(lambda: shown(leaf).startswith("⇅ hub ✓"), timeout=5, what="B's ✓ again")
