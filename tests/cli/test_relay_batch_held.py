"""A record waiting at the hub behind a batch-mate of its message id that never goes in
(hub_holds_id.BATCH_HELD, `retried`; docs/relay.md, "One message id, two records"). It was
tried again only with the group's next batch: with nobody writing after it, it never reached
the hub's file or any other host. Now it goes in at once.

Three hosts on loopback (hub A, leaves B and C: real nats-servers and relays). B's operator
sends a non-member's copy of an id and then bob's genuine record of it through B's own inbound
stream, as B's relay would, while the hub's relay is stopped (SIGSTOP): it meets both in one
batch when it goes on."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from peers_tui.core.encoding import now_ms
from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.relay.envelope import Envelope, in_subject
from peers_tui.testing.forge import Forger
from tests.cli.test_relay_attacks import three, through  # noqa: F401 (the fixture)
from tests.relay_helpers import Refusals, bodies, wait_for

pytestmark = pytest.mark.slow


def signed(db: Path, group_id: str, home: Path, body: str, message_id: str) -> Envelope:
    """A message `home`'s key signs in a copy of `db` with this id, as B's relay sends it."""
    copy = db.parent.parent / f"{body}.db"
    with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
        source.backup(target)  # with what B's WAL holds (shutil.copy left the newest rows out)
    Forger(home).message(copy, group_id, body, id=message_id)
    with sqlite3.connect(copy) as conn:
        text, sig = conn.execute("SELECT record, sig FROM message WHERE id = ?",
                                 (message_id,)).fetchone()
    return Envelope(group_id, "msg", text, bytes(sig), None, "B")


def test_a_record_behind_a_refused_batch_mate_of_its_id_reaches_every_host(three):  # noqa: F811
    hosts, group_id = three
    hub, b, c = hosts
    alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
    refused = Refusals(hosts)
    db = b.hub / f"{group_id}.db"
    shared = ulid_text(new_ulid(now_ms() + 1000))
    copy = signed(db, group_id, b.user("mallory").home, "mallory's copy", shared)
    genuine = signed(db, group_id, bob.home, "bob's", shared)
    assert json.loads(genuine.text)["mseq"] > 0  # a state in which bob is a member

    async def send(nc: Any, js: Any) -> None:
        for envelope in (copy, genuine):
            await js.publish(in_subject("B", group_id), envelope.payload(),
                             headers=envelope.headers(), timeout=2.0)

    assert hub.process is not None
    os.kill(hub.process.pid, signal.SIGSTOP)
    try:
        assert through(b, send) == "done"
    finally:
        os.kill(hub.process.pid, signal.SIGCONT)
    wait_for(lambda: "bob's" in bodies(alice) and "bob's" in bodies(carol), timeout=15,
             what="bob's record on A and C")
    wait_for(lambda: refused.of(hub) == {"B": 1}, what="the copy refused at the hub")
    assert "mallory's copy" not in bodies(alice) + bodies(carol)
    assert hub.status()["waiting"] == 0
