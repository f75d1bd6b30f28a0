"""After a restart the hub does not retry every record it holds at the first batch of their
group (docs/relay.md "Held and isolated records (h-left17)"; relay/held_retry.py).

The waits of held records lived in the relay's memory only: the first batch of a group after
a start retried every record it held (at B's quota of 20,000: ~0.85 s of CPU on the event
loop, judging them all). Now the waits are read again from the ledger's reasons in a thread,
and only those whose wait the file meets are retried. Measured from outside (the hub relay's
CPU time in /proc): ten of carol's messages before the flood, and ten after the hub's relay
was restarted with bob's chain held.

Three hosts on loopback, real nats-servers and relays (tests/relay_helpers.py).
"""

from __future__ import annotations

import os
import time

import pytest

from peers_tui.testing.forge import Forger
from tests.cli.test_relay_held_cost import cpu_seconds, flood, ten_messages
from tests.core.test_relay_held_waits import held_posts
from tests.relay_helpers import three_hosts, wait_for

pytestmark = pytest.mark.slow

HELD = int(os.environ.get("PEERS_TEST_HELD_RESTART", "20000"))


def test_a_restarted_hub_does_not_retry_all_it_holds_at_once(tmp_path):
    with three_hosts(tmp_path) as (hosts, team):
        hub, b, c = hosts
        forger = Forger(b.users["bob"].home)
        _, chain = held_posts(forger, b.hub / f"{team}.db", team, HELD)  # (as held_cost)
        base = ten_messages(hosts, "before")

        flood(hosts, team, chain)
        hub.stop()
        hub.start()
        for leaf in (b, c):
            wait_for(leaf.link_up, timeout=30, what=f"{leaf.name}'s link again")
        time.sleep(2)  # the start's own look at what it holds (held_retry: spread, in a thread)
        started = cpu_seconds(hub)
        after = ten_messages(hosts, "restarted")
        load = os.getloadavg()
        print(f"\n{HELD} held: ten messages before {base:.2f} s, after a restart {after:.2f} s "
              f"(the start itself {started:.2f} s), load {load[0]:.1f} {load[1]:.1f}")
        assert after < 2 * base + 0.3, (base, after)
        assert hub.status()["waiting"] >= HELD
