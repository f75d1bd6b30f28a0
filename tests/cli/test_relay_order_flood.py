"""A leaf sending membership changes to the hub's sequencer in a loop (fifteenth attack
pass; a leaf's credentials). Each change is judged on the hub's event loop under its relay
lock (a transaction and the roster: ~1.5 ms); 3,000 of them, badly signed, published by B
in a tenth of a second, took 4.5 s of the hub relay's CPU and held every delivery up
meanwhile (carol's message from C reached A 5.6 s later). Now each leaf host gets a share
of the hub's time for its membership changes, as for its cut questions (hub_cut.CutBudget):
a burst, then a tenth of the time passing; beyond it the answer is one line.

Three hosts on loopback (hub A, leaves B and C), real nats-servers and relays; the attacker
a nats-py client on B's own server, as B's relay is."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import nats
import pytest

from peers_tui.relay.config import client_url, inbox_prefix, load_config
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.order_service import order_subject
from tests.cli.test_relay_held_cost import cpu_seconds
from tests.relay_helpers import bodies, three_hosts, wait_for

pytestmark = [pytest.mark.slow]

FLOOD = 3000


async def flood(config_hub, group_id: str, envelope: Envelope) -> list[str]:  # noqa: ANN001
    """FLOOD changes on B's own subject of the sequencer; the last answers' reasons."""
    config = load_config(config_hub)
    nc = await nats.connect(client_url(config),  # as B's relay would (server.py)
                            inbox_prefix=inbox_prefix(config.name))
    try:
        inbox = nc.new_inbox()
        for _ in range(FLOOD):
            await nc.publish(order_subject("B", group_id), envelope.payload(),
                             headers=envelope.headers(), reply=inbox)
        await nc.flush()
        answer = await nc.request(order_subject("B", group_id), envelope.payload(),
                                  headers=envelope.headers(), timeout=30)
        return [answer.data.decode()]
    finally:
        await nc.close()


def test_a_leaf_sending_changes_in_a_loop_gets_a_share_of_the_hubs_time(tmp_path,
                                                                         monkeypatch):
    monkeypatch.setenv("PEERS_RELAY_ORDER_BURST", "0.3")
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        alice, carol = hub.users["alice"], c.users["carol"]
        with sqlite3.connect(hub.hub / f"{group_id}.db") as db:  # the newest change, its
            text, _ = db.execute(  # signature spoiled: judged, and refused
                "SELECT record, sig FROM group_members ORDER BY seq DESC LIMIT 1").fetchone()
        spoiled = Envelope(group_id, "member", text, b"\x00" * 64, None, "B")
        before = cpu_seconds(hub)
        [last] = asyncio.run(flood(b.hub, group_id, spoiled))
        assert "spent its time for this host's membership changes" in last, last
        carol.ok("send", "team", "during the flood")
        wait_for(lambda: "during the flood" in bodies(alice), what="carol's message on A")
        time.sleep(2)  # what the hub still had queued of the flood
        spent = cpu_seconds(hub) - before
        assert spent < 2.0, spent  # main: 4.5 s and more
        # an honest change from C still goes through
        carol.ok("id", "--handle", "caroline")
        wait_for(lambda: "caroline" in {m["handle"] for m in alice.ok(
            "members", "team", "--json").json()}, what="carol's handle change on A")
