"""A leaf asking the hub for its missed refusals in a loop (seventeenth attack pass; a
leaf's own credential). The question (`peers.refusals.<leaf>`, h-refusedback; with
`"inbound": true` since h-lostinbound, a JetStream stream info more) was answered on the hub
relay's event loop every time, with no share of the hub's time: a query of its quarantine,
a stream info, and an answer of up to a page of refused records with their text (an
amplification: a question of 30 bytes, an answer of up to a page of records). Measured on
main: 48,442 questions answered in 12 s of a flood, 4.9 s of the hub relay's CPU, carol's
message from C 2.9 s and 9.8 s late; in this test 31,253 answered. Now each leaf has a share of the hub's time for these
questions (hub_cut.CutBudget, as for its cut questions and membership changes; a question
counting 0.1 s at least: 20 at once, then one a second); beyond it
the hub does not answer (an honest leaf asks once a link, and again at the next). What is
left (docs/relay.md): the flood's messages still reach the hub's relay and server.

Three hosts on loopback (hub A, leaves B and C), real nats-servers and relays; the attacker
a nats-py client on B's own server with B's relay's credential, in a thread of the test."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import nats
import pytest

from peers_tui.relay.config import client_url, inbox_prefix, load_config
from peers_tui.relay.hub_refusals import ask_subject
from tests.cli.test_relay_held_cost import cpu_seconds
from tests.relay_helpers import bodies, three_hosts, wait_for

pytestmark = [pytest.mark.slow]


async def flood(config_hub, stop: threading.Event, counts: dict[str, int]) -> None:  # noqa: ANN001
    """Questions on B's own subject until `stop`; counts of those sent and answered."""
    config = load_config(config_hub)
    nc = await nats.connect(client_url(config), inbox_prefix=inbox_prefix(config.name))

    async def answered(msg) -> None:  # noqa: ANN001
        # An answer of the hub's relay, not a server's "no responders" (status 503, no body):
        # a fresh-clone CI counted 5,005 such, the flood (1.2 million questions in 8 s) having
        # cost B's server its leaf connection, hence the hub's interest, for a while.
        counts["answered" if msg.data else "unanswered"] += 1

    try:
        inbox = nc.new_inbox()
        await nc.subscribe(inbox, cb=answered)
        question = json.dumps({"since": 0, "inbound": True}).encode()
        while not stop.is_set():
            for _ in range(200):
                await nc.publish(ask_subject("B"), question, reply=inbox)
            counts["sent"] += 200
            await nc.flush()
        await asyncio.sleep(15)  # the answers the hub still had to give
    finally:
        await nc.close()


def test_a_leaf_asking_for_its_refusals_in_a_loop_gets_a_share_of_the_hubs_time(
        tmp_path, monkeypatch):
    monkeypatch.setenv("PEERS_RELAY_ASK_BURST", "0.3")
    with three_hosts(tmp_path) as (hosts, _group_id):
        hub, b, c = hosts
        alice, carol = hub.users["alice"], c.users["carol"]
        before = cpu_seconds(hub)
        stop, counts = threading.Event(), {"sent": 0, "answered": 0, "unanswered": 0}
        flooding = threading.Thread(target=lambda: asyncio.run(flood(b.hub, stop, counts)))
        flooding.start()
        try:
            time.sleep(3)
            carol.ok("send", "team", "during the flood")
            time.sleep(5)
        finally:
            stop.set()
            flooding.join(timeout=60)
        spent = cpu_seconds(hub) - before
        assert counts["sent"] > 10_000, counts
        # 3 at once (the burst of 0.3 s, ASK_COST each), then one a second; main: 31,253
        assert counts["answered"] < 100, (spent, counts)
        wait_for(lambda: "during the flood" in bodies(alice), timeout=60,
                 what="carol's message on A")
        # B's relay still asks and is answered at its next link: bob's message goes through
        b.stop()
        b.start()
        wait_for(b.link_up, what="B's link again")
        b.users["bob"].ok("send", "team", "after")
        wait_for(lambda: "after" in bodies(alice), what="bob's message on A")
