"""A replayed answer of the hub to a leaf's question for its refusals (nineteenth attack pass,
h-attack19, target 2: "Replay"; docs/relay.md). The answer is MAC'd with the leaf's
credential over the question and the body, and carries the hub's clock (`now`), which bounds
the leaf's writers (hub_clock.py). A leaf asking the same question twice ("since" unchanged:
nothing refused since) took an old answer, recorded and sent again by whoever can put a
reply on its relay's inbox, as the hub's: its clock then days old. Each question now carries
a nonce, so an answer proves only the question it was made for.

Real nats-server (a hub's, started by its relay); the test itself plays the one answering
on `peers.refusals.B` (the hub's relay knows no leaf B, so it stays silent): a genuine
answer first, the same bytes and MAC again for the next question."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import nats
import pytest

from peers_tui.core.encoding import now_ms
from peers_tui.relay import leaf_mac
from peers_tui.relay.config import client_url, inbox_prefix, load_config
from peers_tui.relay.hub_refusals import ANSWER, HeardRefusals, ask_subject
from peers_tui.relay.ledger import Ledger
from tests.relay_helpers import federation, stop_all

pytestmark = pytest.mark.slow

KEY = "leaf B's credential"
WEEK_AGO = 6 * 24 * 3600 * 1000  # within HUB_OFFSET_BOUND: believed if taken


def test_an_answer_recorded_for_one_question_proves_no_later_one(tmp_path):
    hub, = hosts = federation(tmp_path, ("A",))
    ledger = Ledger(tmp_path / "relay.db")
    heard = HeardRefusals(tmp_path, ledger.db, lambda *told: None, lambda: KEY)
    try:
        hub.start()

        async def run() -> tuple[bool, bool, list[Any]]:
            config = load_config(hub.hub)
            nc = await nats.connect(client_url(config), inbox_prefix=inbox_prefix(config.name))
            recorded: list[tuple[bytes, dict[str, str]]] = []

            async def answer(msg: Any) -> None:  # genuine once (an old clock), then replayed
                if not recorded:
                    body = json.dumps({"refused": [], "more": False,
                                       "now": now_ms() - WEEK_AGO}).encode()
                    recorded.append((body, {leaf_mac.HEADER: leaf_mac.mac(
                        KEY, ANSWER + msg.data, body)}))
                body, headers = recorded[0]
                await nc.publish(msg.reply, body, headers=headers)

            try:
                await nc.subscribe(ask_subject("B"), cb=answer)
                await nc.flush()
                first = await heard.ask(nc, "B")
                stamped = [heard.stamped]
                again = await heard.ask(nc, "B")
                return first, again, stamped + [heard.stamped]
            finally:
                await nc.close()

        first, again, stamped = asyncio.run(run())
        assert first, "the genuine answer to the first question is taken"
        assert not again, "the same answer, sent again for the next question, is taken as the hub's"
        assert stamped[0] == stamped[1], "the replay's clock was kept"
    finally:
        stop_all(hosts)
