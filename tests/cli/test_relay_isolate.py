"""A record whose apply fails at the hub for a reason no rule foresaw holds up nothing but
itself (docs/relay.md "Batches isolated (h-isolate)").

The hub applied a group's batch as one transaction; when it raised, the whole batch was kept
waiting, and what waits is retried with every later batch of the group, so every later batch
failed on the same record: the group's records from every host stopped at the hub for good.
The fourteenth attack pass closed the ways it found (values no file can hold); the rules
cannot foresee every error. Here the hub's group file is made hostile (attacker (a), write
access to the file on the hub host, while the hub's relay holds it open): a partial UNIQUE
index that takes the welcome message and refuses one later body, so that exactly bob's
record "poison from bob" fails to insert ("UNIQUE constraint failed"), every other goes in.
Now the hub applies the failing batch again a record at a time, refuses only bob's record
(counted against B, listed in `relay rejected` with the error) and carol's later messages
from C reach B. bob's own later records wait at the hub for the refused one (his chain has
a hole there): the file's attacker keeps one member out, not the group.

Three hosts on loopback, real nats-servers and relays (tests/relay_helpers.py).
"""

from __future__ import annotations

import sqlite3

import pytest

from tests.cli.test_relay_attacks import shared_three  # noqa: F401 (a fixture)
from tests.relay_helpers import Refusals, bodies, wait_for

pytestmark = pytest.mark.slow

POISON = "poison from bob"


def test_a_record_whose_apply_fails_holds_up_only_itself(shared_three):
    hosts, team = shared_three
    hub, b, c = hosts
    bob, carol = b.users["bob"], c.users["carol"]
    refused = Refusals(hosts)
    waiting = hub.status().get("waiting", 0)
    conn = sqlite3.connect(hub.hub / f"{team}.db")
    try:  # (the welcome is in the file: the index's one key is taken)
        conn.execute("CREATE UNIQUE INDEX planted ON message((0))"
                     f" WHERE body IN ('welcome', '{POISON}')")
        conn.commit()
    finally:
        conn.close()
    bob.ok("send", "team", POISON)
    wait_for(lambda: hub.status().get("waiting", 0) > waiting,
             what="bob's record waiting at the hub (its apply failed: the file refuses it)")
    for n in range(3):  # each a batch of its own at the hub, the held record retried with it
        carol.ok("send", "team", f"carol after the poison {n}")
        wait_for(lambda n=n: f"carol after the poison {n}" in bodies(bob),
                 what=f"carol's message {n} on B past bob's record the hub's file refuses")
    wait_for(lambda: refused.of(hub) == {"B": 1}, what="the hub refusing bob's record from B")
    lines = [line for line in hub.peers().ok("relay", "rejected").out.splitlines()
             if "its apply failed here while the rest of its batch applied" in line]
    assert len(lines) == 1, hub.peers().ok("relay", "rejected").out
    assert lines[0].startswith("B ") and "UNIQUE constraint failed" in lines[0], lines[0]
    assert POISON not in bodies(carol)
    # bob's next record comes after the refused one in his chain: the hub keeps it waiting
    # for it (a chain with a hole is no chain), and the group goes on past it
    wait_for(lambda: hub.status().get("waiting") == waiting, what="nothing more waiting at the hub")
    bob.ok("send", "team", "bob after the poison")
    wait_for(lambda: hub.status().get("waiting") == waiting + 1, what="bob's next post waiting")
    carol.ok("send", "team", "carol at the end")
    wait_for(lambda: "carol at the end" in bodies(bob), what="carol's last message on B")
    assert refused.of(hub) == {"B": 1}
    for user in (bob, carol):
        assert user.ok("verify", "team").code == 0
