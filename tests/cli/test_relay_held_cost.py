"""A member's chain of records kept waiting at the hub must not cost every later batch of
the group (docs/relay.md "Fourteenth attack pass"; relay/held_waits.py).

bob, on leaf B, publishes with B's credential 2,000 posts of his own, each naming the one
before, the first following a record of his that never comes: all 2,000 wait at the hub.
The hub retried every waiting record of a group with each batch of it, so each of carol's messages
from C cost the hub's relay the judging of 2,000 records (0.1 s of CPU at 2,000; ~1 s at B's
quota of 20,000), on its event loop. Now a batch retries only the records whose wait may have
ended. Measured from outside: the hub relay's CPU time (/proc) for ten of carol's messages,
before the flood and after it, in the same run.

Three hosts on loopback, real nats-servers and relays (tests/relay_helpers.py).
"""

from __future__ import annotations

import os

import pytest

from peers_tui.relay.envelope import in_subject
from peers_tui.testing.forge import Forger
from tests.cli.test_relay_attacks import through
from tests.core.test_relay_held_waits import held_posts
from tests.relay_helpers import Host, bodies, three_hosts, wait_for

pytestmark = pytest.mark.slow

HELD = int(os.environ.get("PEERS_TEST_HELD", "2000"))  # (20,000 measured: h-isolate)


def cpu_seconds(host: Host) -> float:
    """CPU time (user and system) of the host's relay process so far."""
    assert host.process is not None
    fields = open(f"/proc/{host.process.pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ten_messages(hosts: list[Host], label: str) -> float:
    """carol's ten messages, each waited for on A: the hub relay's CPU time for them."""
    hub, _, c = hosts
    before = cpu_seconds(hub)
    for n in range(10):
        c.users["carol"].ok("send", "team", f"{label} {n}")
        wait_for(lambda n=n: f"{label} {n}" in bodies(hub.users["alice"]),
                 what=f"carol's {label} {n} on A")
    return cpu_seconds(hub) - before


def flood(hosts: list[Host], team: str, chain: list) -> None:
    """bob's `chain` published from B with its credential, and waiting at the hub."""
    hub, b, _ = hosts
    waiting = hub.status().get("waiting", 0)

    async def publish(nc, js):
        for envelope in chain:
            await js.publish(in_subject("B", team), envelope.payload(),
                             headers=envelope.headers(), timeout=5.0)

    assert through(b, publish) == "done"
    wait_for(lambda: hub.status().get("waiting", 0) >= waiting + len(chain), timeout=120,
             what="bob's chain waiting at the hub")


def test_a_waiting_chain_does_not_cost_every_later_batch_of_its_group(tmp_path):
    with three_hosts(tmp_path) as (hosts, team):
        hub, b, _ = hosts
        forger = Forger(b.users["bob"].home)
        db = b.hub / f"{team}.db"
        _, chain = held_posts(forger, db, team, HELD)  # the first follows one never sent
        base = ten_messages(hosts, "before")

        flood(hosts, team, chain)
        after = ten_messages(hosts, "after")
        # on main: ~0.1 s more a message (every held record judged again with each batch)
        print(f"\n{HELD} held: before {base:.2f} s, after {after:.2f} s, load {os.getloadavg()}")
        assert after < 2 * base + 0.3, (base, after)
        assert hub.status()["waiting"] >= HELD  # still waiting: nothing it waits for came
