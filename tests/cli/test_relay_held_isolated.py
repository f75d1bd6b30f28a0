"""A record refused because its apply failed here is applied again once the file takes it,
with the author's later records waiting for it (docs/relay.md "Held and isolated records
(h-left17)").

The hub's group file is made hostile as in tests/cli/test_relay_isolate.py (attacker (a):
a planted partial UNIQUE index refusing the one body "poison ..."), so bob's record fails
its apply there and is set apart (isolate.py), and his next record waits at the hub for it.
Before, that record stayed refused for good: dropping the planted index changed nothing, nor
did a restart or `peers relay refetch`; the one member stayed out at that hub. Now the relay
applies it again when another process commits to the file (the repair is one), at its start
and when `peers relay refetch` pokes it: it goes in, is republished, bob's next one follows,
and `relay rejected` lists it as restored.

Three hosts on loopback, real nats-servers and relays (tests/relay_helpers.py).
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from tests.cli.test_relay_attacks import shared_three  # noqa: F401 (a fixture)
from tests.relay_helpers import Host, Refusals, bodies, wait_for

pytestmark = pytest.mark.slow


def write(path: Path, *statements: str) -> None:
    """`statements` run in the group file as one transaction, by another process than the
    relay (attacker (a), or the repair)."""
    conn = sqlite3.connect(path)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def plant(path: Path, body: str) -> None:
    """An index refusing the second of the welcome and `body` (the welcome holds its key)."""
    write(path, f"CREATE UNIQUE INDEX planted ON message((0)) WHERE body IN ('welcome', '{body}')")


def unplant(path: Path) -> None:
    write(path, "DROP INDEX planted")


def isolate_at(host: Host, team: str, poison: str, hosts: list[Host], sender, other) -> None:
    """`poison` from `sender` refused at `host` (its apply fails there), and `sender`'s next
    record waiting at `host` for it."""
    waiting = host.status().get("waiting", 0)
    plant(host.hub / f"{team}.db", poison)
    sender.ok("send", "team", poison)
    wait_for(lambda: host.status().get("waiting", 0) > waiting,
             what="the poison waiting (its apply failed: the file refuses it)")
    other.ok("send", "team", f"after {poison}")  # a batch that goes in: the poison set apart
    wait_for(lambda: host.status().get("waiting", 0) == waiting, what="the poison set apart")
    assert refused_now(host), rejected(host)
    sender.ok("send", "team", f"{poison}: the next")
    wait_for(lambda: host.status().get("waiting", 0) == waiting + 1,
             what="the sender's next record waiting for the refused one")


def rejected(host: Host) -> list[dict]:
    out = host.peers().ok("relay", "rejected", "--json").out
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def refused_now(host: Host) -> list[dict]:
    return [row for row in rejected(host) if "its apply failed here" in row.get("reason", "")
            and not row.get("restored")]


def restored_again(host: Host) -> list[dict]:
    return [row for row in rejected(host) if "its apply failed here" in row.get("reason", "")
            and isinstance(row.get("restored"), dict)]


def both_arrive(host: Host, user, poison: str, since: float, timeout: float, after: str) -> None:
    """The refused record and its author's next reach `user`, and `host` lists the refusal
    as restored."""
    for body in (poison, f"{poison}: the next"):
        wait_for(lambda body=body: body in bodies(user), timeout=timeout,
                 what=f"{body!r} on {user.name}'s host after {after}")
    print(f"\n{after} -> on {user.name}'s host: {time.monotonic() - since:.2f} s")
    wait_for(lambda: not refused_now(host) and restored_again(host),
             what="the refusal listed as restored")


def test_a_record_refused_for_its_apply_goes_in_once_the_file_is_repaired(shared_three):
    hosts, team = shared_three
    hub, b, c = hosts
    bob, carol = b.users["bob"], c.users["carol"]
    refused = Refusals(hosts)
    poison = "poison one"
    isolate_at(hub, team, poison, hosts, bob, carol)
    wait_for(lambda: refused.of(hub) == {"B": 1}, what="the hub refusing bob's record")
    assert poison not in bodies(carol)
    began = time.monotonic()
    unplant(hub.hub / f"{team}.db")  # the repair, by hand: nobody refetches
    both_arrive(hub, carol, poison, began, 10, "the repair")
    assert refused.of(hub) == {}  # refused no longer: not counted against B
    wait_for(lambda: hub.status().get("waiting", 0) == 0, what="nothing waiting at the hub")
    for user in (bob, carol):
        assert user.ok("verify", "team").code == 0


def test_a_record_refused_for_its_apply_goes_in_at_the_relays_next_start(shared_three):
    hosts, team = shared_three
    hub, b, c = hosts
    bob, carol = b.users["bob"], c.users["carol"]
    poison = "poison two"
    isolate_at(hub, team, poison, hosts, bob, carol)
    hub.stop()
    unplant(hub.hub / f"{team}.db")  # repaired while the relay is stopped
    hub.start()
    for leaf in (b, c):
        wait_for(leaf.link_up, what=f"{leaf.name}'s link again")
    for body in (poison, f"{poison}: the next"):
        wait_for(lambda body=body: body in bodies(carol), timeout=15,
                 what=f"{body!r} on C after the hub's relay started again")
    wait_for(lambda: not refused_now(hub) and restored_again(hub),
             what="the refusal listed as restored")
    wait_for(lambda: hub.status().get("waiting", 0) == 0, what="nothing waiting at the hub")


def test_a_leaf_applies_what_it_held_at_once_after_relay_refetch(shared_three):
    """At leaf C: bob's record refused there (C's file planted), his next one held by C's
    relay. After the repair and `peers relay refetch` by hand, C's relay holds nothing within
    two seconds and lists the refusal as restored; before, the record stayed refused and the
    next one waited in C's relay until a record of the group came from another host."""
    hosts, team = shared_three
    hub, b, c = hosts
    alice, bob = hub.users["alice"], b.users["bob"]
    poison = "poison three"
    isolate_at(c, team, poison, hosts, bob, alice)
    unplant(c.hub / f"{team}.db")
    c.peers().ok("relay", "refetch", team)
    began = time.monotonic()
    wait_for(lambda: c.status().get("waiting", 0) == 0, timeout=2.5,
             what="C's relay holding nothing after the refetch")
    wait_for(lambda: not refused_now(c) and restored_again(c), timeout=2.5,
             what="C listing the refusal as restored")
    print(f"\nrefetch -> nothing held at C: {time.monotonic() - began:.2f} s")
    carol = c.users["carol"]
    for body in (poison, f"{poison}: the next"):
        assert body in bodies(carol)
    assert carol.ok("verify", "team").code == 0



def test_a_repair_of_rows_is_taken_when_the_relay_is_poked(shared_three):
    """The hub's file refuses bob's record through a planted index whose key a planted junk
    row holds; the repair deletes that row, a change of rows, not of the schema, which the
    relay does not take for a repair at a commit. A poke (SIGUSR1, as `peers relay refetch`
    sends: the command itself cannot open a file holding a foreign index) makes the running
    relay apply it; before, it stayed refused for good."""
    hosts, team = shared_three
    hub, b, c = hosts
    bob, carol = b.users["bob"], c.users["carol"]
    poison = "poison four"
    path = hub.hub / f"{team}.db"
    write(path, "INSERT INTO message (id, author, author_seq, kind, created_at, body, record,"
                " sig) VALUES ('planted-junk', 'nobody', 999999, 'text', 0, 'decoy', '{}', x'00')",
          f"CREATE UNIQUE INDEX planted ON message((0)) WHERE body IN ('decoy', '{poison}')")
    waiting = hub.status().get("waiting", 0)
    bob.ok("send", "team", poison)
    wait_for(lambda: hub.status().get("waiting", 0) > waiting, what="the poison waiting")
    carol.ok("send", "team", f"after {poison}")
    wait_for(lambda: f"after {poison}" in bodies(bob), what="carol's next on B")
    bob.ok("send", "team", f"{poison}: the next")
    wait_for(lambda: refused_now(hub), what="the poison refused at the hub")
    write(path, "DELETE FROM message WHERE id = 'planted-junk'")
    time.sleep(2)  # a change of rows: not taken for a repair at the commit
    assert poison not in bodies(carol)
    from peers_tui.relay.held_retry import poke_running_relay  # (what the refetch calls)

    assert poke_running_relay(hub.hub / ".relay")
    both_arrive(hub, carol, poison, time.monotonic(), 5, "the poke")
    unplant(path)
