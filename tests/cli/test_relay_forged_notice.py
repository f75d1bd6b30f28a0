"""A hub's refusal forged on the leaf's own server (sixteenth attack pass, docs/relay.md
"Sixteenth attack pass (h-attack16)").

The hub tells a leaf of its records' refusals on `_INBOX_<leaf>.peers-refused` and answers
its question on `peers.refusals.<leaf>`; no other leaf may publish there (the hub's
permissions), but a leaf's own nats-server takes publications from every process of its host.
Any user of leaf B could publish a notice naming another user's genuine message (its id and
hash read from the group file), or answer B's relay's question before the hub, and B's relay
marked the message "refused by the hub A: <any reason>": `✗` in every open log of B, `1
refused by the hub` in `peers groups`, listed by `relay rejected`. Now a leaf's server lets
no process without the relay's credential publish or listen (server.py), and the hub proves
its notices and answers with a MAC keyed by B's credential (relay/leaf_mac.py).

Three hosts on loopback, real nats-servers and relays; the attacker a nats-py client on B's own
server without the relay's credential.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading

import pytest

from peers_tui.core.encoding import record_hash
from peers_tui.core.hub_refused import refused_ids
from peers_tui.relay.hub_refusals import ask_subject, notice_subject
from tests.cli.test_relay_attacks import forgery, through
from tests.cli.test_relay_refused_back import refused_at_hub, sync_of
from tests.relay_helpers import Host, three_hosts, wait_for

pytestmark = [pytest.mark.slow]


def forged_notice(host: Host, group_id: str, body: str) -> dict:
    with sqlite3.connect(host.hub / f"{group_id}.db") as db:
        message_id, text = db.execute("SELECT id, record FROM message WHERE body = ?",
                                      (body,)).fetchone()
    return {"group": group_id, "table": "msg", "hash": record_hash(text), "id": message_id,
            "reason": "alice's message is forged", "at": 1}


def told_nothing_but_the_forgery(hosts: list[Host], group_id: str) -> None:
    """A genuine refusal told after the attack arrives and is the only one B counts."""
    hub, b, _ = hosts
    own = forgery(hosts, group_id, "forged by B", origin="B")

    async def send(nc, js):
        await js.publish(f"peers.in.B.{group_id}", own.payload(), headers=own.headers(),
                         timeout=5.0)
    assert through(b, send) == "done"
    wait_for(lambda: refused_at_hub(b) >= 1, what="B told of its forgery's refusal")
    assert refused_at_hub(b) == 1, b.status()
    assert refused_ids(str(b.hub), group_id) == frozenset()
    # The group's column is the relay's next `.link.json` (at most REFUSED_SOON after its last
    # write); `relay status` counted the ledger at once, and a CI read the column between.
    wait_for(lambda: sync_of(b.users["bob"]) != "✓", timeout=5, what="B's sync column after the refusal")
    assert sync_of(b.users["bob"]) == "1 refused by the hub"
    listing = b.peers().ok("relay", "rejected").out
    assert "alice's message is forged" not in listing, listing


def test_a_notice_published_by_a_process_of_the_leaf_marks_nothing(tmp_path):
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        notice = json.dumps(forged_notice(b, group_id, "welcome")).encode()

        async def tell(nc, js):
            await nc.publish(notice_subject("B"), notice)
            await nc.flush()
        through(b, tell, as_relay=False)  # (now refused by B's own server)
        told_nothing_but_the_forgery(hosts, group_id)


def test_an_answer_to_the_leafs_question_from_a_process_of_the_leaf_marks_nothing(tmp_path):
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        answer = json.dumps({"refused": [forged_notice(b, group_id, "welcome")],
                             "more": False}).encode()
        answered, done = threading.Event(), threading.Event()

        async def answer_first(nc, js):
            async def respond(msg):
                await msg.respond(answer)
                answered.set()
            await nc.subscribe(ask_subject("B"), cb=respond)
            await nc.flush()
            while not done.is_set():
                await asyncio.sleep(0.05)
        eve = threading.Thread(target=through, args=(b, answer_first), kwargs={"as_relay": False})
        eve.start()
        try:
            hub.stop()  # B's link goes down; at the next one B asks for its refusals
            wait_for(lambda: not b.link_up(), timeout=30, what="B's link down")
            hub.start()
            wait_for(lambda: b.link_up() and b.status().get("refused_at_hub") is not None,
                     timeout=30, what="B's link again")
        finally:
            done.set()
            eve.join(timeout=10)
        told_nothing_but_the_forgery(hosts, group_id)


def test_a_process_of_the_leaf_cannot_answer_a_membership_change_in_the_hubs_place(tmp_path):
    """The same server carries the requests of the relay's own user's commands to the hub's
    sequencer: a process listening on `peers.order.B.>` answered bob's change first ("the hub
    refused this membership change: <its reason>", while the hub took it)."""
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        alice, bob = hub.users["alice"], b.users["bob"]
        alice.ok("role", "team", "bob", "admin")
        wait_for(lambda: {m["handle"]: m["role"] for m in bob.ok("members", "team", "--json")
                          .json()}.get("bob") == "admin", what="bob an admin on B")
        listening, done = threading.Event(), threading.Event()

        async def answer_first(nc, js):
            async def respond(msg):
                await msg.respond(json.dumps({"ok": False, "reason": "eve says no"}).encode())
            await nc.subscribe("peers.order.B.>", cb=respond)
            await nc.flush()
            listening.set()
            while not done.is_set():
                await asyncio.sleep(0.05)
        eve = threading.Thread(target=through, args=(b, answer_first), kwargs={"as_relay": False})
        eve.start()
        try:
            listening.wait(10)
            changed = bob.run("role", "team", "carol", "reader")
        finally:
            done.set()
            eve.join(timeout=10)
        assert changed.code == 0, changed.err
        assert "eve says no" not in changed.err
        wait_for(lambda: {m["handle"]: m["role"] for m in alice.ok("members", "team", "--json")
                          .json()}.get("carol") == "reader", what="carol a reader on A")


def test_a_process_of_the_leaf_without_the_relays_credential_publishes_nothing(tmp_path):
    """What the relay alone publishes through its server: records, presence entries (one a
    host in `PEERS_PRESENCE`: eve's would replace B's, hiding its people and the invitations
    it carries until B's next heartbeat). Each is refused by B's own server; as B's relay,
    the same publications go through."""
    from peers_tui.relay.presence_links import presence_subject

    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts

        def send(subject: str):
            async def action(nc, js):
                await js.publish(subject, b"{}", timeout=3.0)
            return action
        for subject in (f"peers.in.B.{group_id}", presence_subject("B")):
            assert through(b, send(subject), as_relay=False) != "done", subject
        assert through(b, send(f"peers.in.B.{group_id}")) == "done"  # junk, refused at the hub
        wait_for(lambda: hub.status()["rejected"].get("B") == 1, what="the relay's junk refused")
