"""The hub's round trip to a leaf is current (twenty-eighth acceptance pass, docs/relay.md,
"The hub's round trip to a leaf, kept current"): with C's relay and nats-server SIGSTOPped
10 s and resumed, the hub's `peers relay status` read "link from C: up ..., 1600.6 ms" for
minutes. The hub's nats-server measures a leaf's round trip only with its own PINGs, and sends
none while the leaf sends traffic (its relay's pings, every second): the figure taken while C
thawed stayed. Now each leaf's relay carries its own measured round trip in its ping, and the
hub shows that one while it is fresh (leaf_heard.RTT_FRESH). Real relays and nats-servers on
loopback."""

from __future__ import annotations

import os
import signal
import time

import pytest

from peers_tui.relay.hub_heard import ping_payload
from peers_tui.relay.leaf_heard import RTT_FRESH, LeafHeard, carried_rtt
from tests.relay_helpers import team_joined_on_two_hosts, wait_for


def test_the_rule_a_carried_round_trip_validated_and_fresh():
    assert carried_rtt(ping_payload(1.234)) == 1.23
    assert carried_rtt(ping_payload(None)) is None and ping_payload(None) == b""
    for lie in (b"", b"x", b"[]", b'{"rtt_ms": -1}', b'{"rtt_ms": 1e9}', b'{"rtt_ms": NaN}',
                b'{"rtt_ms": true}', b'{"rtt_ms": "3"}', b'{"rtt_ms": 1' + b"0" * 300 + b"}"):
        assert carried_rtt(lie) is None, lie
    heard = LeafHeard()
    assert heard.rtt_ms("B", 100.0) is None  # an old leaf (empty pings): the server's figure
    heard.asked("B", 100.0, 2.5)
    assert heard.rtt_ms("B", 100.0 + RTT_FRESH) == 2.5
    assert heard.rtt_ms("B", 100.1 + RTT_FRESH) is None  # stale: not shown as current
    heard.asked("B", 101.0)  # a ping without one keeps the last while it is fresh
    assert heard.rtt_ms("B", 101.0) == 2.5
    heard.linked("B")  # its link made again: measured again on it
    assert heard.rtt_ms("B", 101.0) is None


def rtt_at_hub(hub) -> float | None:
    leaf = (hub.status().get("leaves") or {}).get("B") or {}
    return leaf.get("rtt_ms") if leaf.get("up") and leaf.get("silent_since") is None else None


@pytest.mark.slow
def test_the_hubs_round_trip_to_a_thawed_leaf_is_measured_again(hosts):
    hub, leaf = hosts
    team_joined_on_two_hosts(hub, leaf)
    wait_for(lambda: rtt_at_hub(hub) is not None, what="B up at the hub, with a round trip")
    pids = [leaf.process.pid, leaf.nats_pid()]
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        time.sleep(10)  # the hub's server PINGs B (5 s without its traffic): answered at thaw
    finally:
        for pid in reversed(pids):
            os.kill(pid, signal.SIGCONT)
    wait_for(lambda: rtt_at_hub(hub) is not None, timeout=15, what="B heard again at the hub")
    seen = []
    until = time.monotonic() + 8
    while time.monotonic() < until:
        seen.append(rtt_at_hub(hub))
        time.sleep(0.5)
    figures = [rtt for rtt in seen if rtt is not None]
    # Measured again and again (a figure left from the thaw never moves), and a loopback's:
    # the thaw's was the seconds B was frozen, up to the hub's server's 5 s ping interval.
    assert len(set(figures)) >= 2, seen
    assert max(figures[-6:]) < 500, seen
