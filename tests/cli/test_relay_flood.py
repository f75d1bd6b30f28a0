"""A leaf floods the hub (relay/limits.py, inbound.py): its inbound stream holds a bounded
backlog a group and across all its groups (a publish past it is refused, nothing stored is
dropped), the hub relay purges what it has applied, the quarantine keeps a bounded number of
refused records a host and counts them all, and genuine records keep flowing, the flooding
leaf's own included; another leaf's records are never refused for the flood.

Three hosts on loopback (hub A, leaves B and C, real nats-server and relays), the hub's bounds
set small in its config.json. The hub's relay is stopped (SIGSTOP) while B floods, so nothing
is consumed and the bound is what holds; its server keeps running.
"""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

import pytest

from peers_tui.relay.config import load_config, save_config
from peers_tui.relay.envelope import Envelope, in_subject
from peers_tui.relay.inbound import leaf_stream
from peers_tui.testing.forge import Forger
from tests.cli.test_relay_attacks import publish, through
from tests.relay_helpers import (
    User, bodies, federation, stop_all, team_on_three_hosts, wait_for,
)

pytestmark = pytest.mark.slow
PER_SUBJECT, KEPT = 50, 20


PER_LEAF_BYTES = 100_000  # some 150 forged records


@pytest.fixture(params=[{"in_max_msgs_per_subject": PER_SUBJECT}])
def bounded(tmp_path, request):
    hosts = federation(tmp_path, ("A", "B", "C"))
    hub, b, c = hosts
    config = load_config(hub.hub)
    config.limits = {**request.param, "quarantine_per_host": KEPT}
    save_config(hub.hub, config)
    try:
        alice, bob, carol, group_id = team_on_three_hosts(hub, b, c)
        yield hosts, group_id
    finally:
        for host in hosts:  # a stopped relay must be let go on before it can stop
            if host.process is not None and host.process.poll() is None:
                os.kill(host.process.pid, signal.SIGCONT)
        stop_all(hosts)


def stream_state(hub: Any, leaf: str = "B") -> dict[str, Any]:
    found: dict[str, Any] = {}

    async def read(nc: Any, js: Any) -> None:
        info = await js.stream_info(leaf_stream(leaf))
        found.update(messages=info.state.messages, config=info.config)

    assert through(hub, read) == "done"
    return found


def genuine_records_flow(alice: User, bob: User, carol: User, flood: str) -> None:
    """carol's record sent during the flood reaches A and B, and the flooding leaf's own
    genuine record after it reaches A and C."""
    wait_for(lambda: f"genuine from C during the {flood}" in bodies(alice)
             and f"genuine from C during the {flood}" in bodies(bob), timeout=40,
             what="C's record on A and B")
    bob.ok("send", "team", f"genuine from B after its {flood}")
    wait_for(lambda: f"genuine from B after its {flood}" in bodies(alice)
             and f"genuine from B after its {flood}" in bodies(carol), timeout=40,
             what="B's own record on A and C")


def test_a_flooding_leaf_is_bounded_and_genuine_records_still_flow(bounded):
    hosts, group_id = bounded
    hub, b, c = hosts
    alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
    config = stream_state(hub)["config"]
    assert str(getattr(config.discard, "value", config.discard)) == "new"
    assert config.discard_new_per_subject
    assert config.max_msgs_per_subject == PER_SUBJECT and config.max_bytes > 0
    mallory = Forger(b.user("mallory").home)
    flood = []
    for n in range(4 * PER_SUBJECT):
        record = mallory.sign("msg", group_id, {"body": f"flood {n}"})
        flood.append(Envelope(group_id, "msg", record.text, record.sig, None, "B"))
    results: list[Any] = []

    async def publish_all(nc: Any, js: Any) -> None:
        results.extend(await asyncio.gather(*[
            js.publish(in_subject("B", group_id), e.payload(), headers=e.headers(), timeout=5.0)
            for e in flood], return_exceptions=True))

    assert hub.process is not None
    os.kill(hub.process.pid, signal.SIGSTOP)  # nothing is consumed: only the bound holds
    try:
        assert through(b, publish_all) == "done"
        stored = sum(not isinstance(r, BaseException) for r in results)
        refused = [r for r in results if isinstance(r, BaseException)]
        assert stored <= PER_SUBJECT and len(refused) >= 3 * PER_SUBJECT, results[:3]
        assert all("maximum messages per subject" in str(r).lower() for r in refused), refused[:1]
        carol.ok("send", "team", "genuine from C during the flood")  # another subject: stored
        wait_for(lambda: c.status().get("unsent", 1) == 0 if "unsent" in c.status() else True,
                 what="C's record stored upstream")
    finally:
        os.kill(hub.process.pid, signal.SIGCONT)
    genuine_records_flow(alice, bob, carol, "flood")
    wait_for(lambda: hub.status().get("rejected", {}).get("B") == stored, timeout=40,
             what="every stored flood record refused and counted against B")
    kept = [row for row in hub.peers().ok("relay", "rejected", "--json").json()
            if row["host"] == "B"]
    assert len(kept) == KEPT
    wait_for(lambda: stream_state(hub)["messages"] < PER_SUBJECT, timeout=40,
             what="B's inbound stream purged of what the hub applied")
    assert not any(body.startswith("flood ") for body in bodies(alice))


@pytest.mark.parametrize("bounded", [{"in_max_bytes": PER_LEAF_BYTES}], indirect=True)
def test_a_leaf_spreading_a_flood_over_made_up_groups_fills_only_its_own_backlog(bounded):
    """Per-subject bounds do not stop a flood spread over many group subjects: before, it
    filled the one shared stream's bytes, and every other leaf's publish was refused until
    the hub had worked through it. Now the bytes are bounded a leaf."""
    hosts, group_id = bounded
    hub, b, c = hosts
    alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
    mallory = Forger(b.user("mallory").home)
    flood = []
    for n in range(400):  # each to a group of its own: no per-subject bound is reached
        made_up = f"{n:04d}" + group_id[4:]
        record = mallory.sign("msg", made_up, {"body": f"spread {n}"})
        flood.append(Envelope(made_up, "msg", record.text, record.sig, None, "B"))
    results: list[Any] = []

    async def publish_all(nc: Any, js: Any) -> None:
        for start in range(0, len(flood), 50):
            results.extend(await asyncio.gather(*[
                js.publish(in_subject("B", e.group_id), e.payload(), headers=e.headers(),
                           timeout=5.0) for e in flood[start:start + 50]], return_exceptions=True))

    from_c = Forger(c.user("mallory").home).sign("msg", group_id, {"body": "C's during the flood"})
    from_c_envelope = Envelope(group_id, "msg", from_c.text, from_c.sig, None, "C")
    assert hub.process is not None
    os.kill(hub.process.pid, signal.SIGSTOP)  # nothing is consumed: only the bounds hold
    try:
        assert through(b, publish_all) == "done"
        refused = [r for r in results if isinstance(r, BaseException)]
        assert len(refused) > 100, results[:3]  # B's own backlog is full
        assert all("maximum bytes" in str(r).lower() for r in refused), refused[:1]
        # C's publishes are still stored: the flood filled B's stream, not C's.
        assert through(c, publish(in_subject("C", group_id), from_c_envelope)) == "done"
        carol.ok("send", "team", "genuine from C during the spread flood")
        wait_for(lambda: stream_state(hub, "C")["messages"] >= 2, timeout=20,
                 what="carol's record stored in C's stream while the hub is stopped")
    finally:
        os.kill(hub.process.pid, signal.SIGCONT)
    genuine_records_flow(alice, bob, carol, "spread flood")
    wait_for(lambda: stream_state(hub)["messages"] == 0, timeout=40,
             what="B's inbound stream purged of what the hub applied")
