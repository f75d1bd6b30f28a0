"""Any process of a leaf host publishing on its own server, against other users' records
(sixteenth attack pass, docs/relay.md "Sixteenth attack pass (h-attack16)").

A leaf's nats-server took publications from every local process (the relay's own
credential is the hub's to check, across the link), so a user of the host could publish on
`peers.in.<host>.*` as its relay does. Two holes:
- the relay published a record with its hash as `Nats-Msg-Id`, which anyone reading the
  group file knows: a process that published anything first under that id had the inbound
  stream drop the relay's genuine record as a duplicate, for good (the relay took the
  duplicate's ack for stored), and with it every later record of its author's chain;
- the hub told the leaf of a refusal of any copy (its signature spoiled), matched on the
  leaf by the record's hash to the genuine row: another user's message, and one of the host's
  own that the hub had carried, shown refused by the hub.

Now a leaf's server lets no process without the relay's credential publish or listen
(server.py), the relay's `Nats-Msg-Id` is keyed with its credential, and the hub tells no
refusal of a copy of a record it took (relay/hub_refusals.py); the second test publishes
the copies with B's relay's own credential (a leaf's relay replaying records: B's own users
see the effect).

Three hosts on loopback (hub A, leaves B and C), real nats-servers and relays; the attacker
a nats-py client on B's own server, without the relay's credential unless said.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3

import pytest

from peers_tui.core.hub_refused import refused_ids
from peers_tui.relay.envelope import Envelope, in_subject
from tests.cli.test_relay_attacks import forgery, through
from tests.cli.test_relay_refused_back import refused_at_hub, sync_of
from tests.relay_helpers import Host, Refusals, bodies, paused_between_writes, three_hosts, wait_for

pytestmark = [pytest.mark.slow]


def row_envelope(host: Host, group_id: str, body: str) -> Envelope:
    """The record of the message `body` as it stands in `host`'s file, its signature spoiled."""
    with sqlite3.connect(host.hub / f"{group_id}.db") as db:
        text, = db.execute("SELECT record FROM message WHERE body = ?", (body,)).fetchone()
    return Envelope(group_id, "msg", text, bytes(64), None, host.name)


def published(envelope: Envelope, msg_id: str | None = None, payload: bytes | None = None):
    async def action(nc, js):
        headers = envelope.headers() | ({"Nats-Msg-Id": msg_id} if msg_id else {})
        await js.publish(in_subject("B", envelope.group_id),
                         envelope.payload() if payload is None else payload,
                         headers=headers, timeout=5.0)
    return action


@pytest.mark.parametrize("what", ["junk", "spoiled copy"])
def test_a_local_process_cannot_drop_a_users_record_by_publishing_under_its_id_first(
        tmp_path, what):
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        bob = b.users["bob"]
        pid = b.status()["pid"]
        assert b.process is not None and b.process.pid == pid
        # bob's record waits in the file (a link down, a restart); B's relay stopped between
        # writes of that file, which bob's send writes (inside one, it waited on the lock)
        paused_between_writes(b, group_id)
        try:
            bob.ok("send", "team", "bob's genuine")
            genuine = row_envelope(b, group_id, "bob's genuine")
            attack = (published(genuine, payload=b"{}") if what == "junk"
                      else published(genuine))  # (its Nats-Msg-Id: the record's hash)
            through(b, attack, as_relay=False)  # (now refused by B's own server)
        finally:
            os.kill(pid, signal.SIGCONT)
        bob.ok("send", "team", "bob later")
        for user in (hub.users["alice"], c.users["carol"]):
            wait_for(lambda: bodies(user)[-2:] == ["bob's genuine", "bob later"],
                     timeout=60, what=f"bob's two on {user.name}")
            assert user.run("verify", "team").code == 0
        # Nothing of the attack reached the hub (B's server refused it; on main the hub
        # refused it, against B), and B says nothing of a refusal of bob's message.
        assert hub.status()["rejected"].get("B", 0) == 0
        assert refused_at_hub(b) == 0
        assert refused_ids(str(b.hub), group_id) == frozenset()
        wait_for(lambda: b.status()["unsent"] == 0, what="nothing unsent on B")


def test_a_refused_copy_of_a_genuine_record_is_told_to_no_one(tmp_path):
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        bob = b.users["bob"]
        bob.ok("send", "team", "bob's own")
        wait_for(lambda: "bob's own" in bodies(c.users["carol"]), what="bob's on C")
        refused = Refusals(hosts)
        # alice's message (from the hub) and bob's own (carried already), each published
        # from B with its signature spoiled
        for body in ("welcome", "bob's own"):
            copy = row_envelope(b, group_id, body)
            through(b, published(copy, msg_id=os.urandom(8).hex()))  # as B's relay
        wait_for(lambda: refused.of(hub) == {"B": 2}, what="both copies refused at the hub")
        # A genuine refusal of B's after them is told (the notices go out in order)
        own = forgery(hosts, group_id, "forged on B", origin="B")
        assert through(b, published(own)) == "done"
        wait_for(lambda: refused_at_hub(b) == 1, what="B told of the forgery's refusal")
        assert refused_ids(str(b.hub), group_id) == frozenset()  # (the forgery is no row of B's)
        [row] = [r for r in b.peers().ok("relay", "rejected", "--json").json()
                 if r.get("refused_at_hub")]
        assert row["author"] != "alice" and row["author"] != "bob", row
        # the forgery's, not alice's or bob's; the sync column reads .link.json, which B's
        # relay writes on its next turn after relay.db has the refusal (a CI read it before)
        wait_for(lambda: sync_of(bob) == "1 refused by the hub", what="bob's sync column")
        # ... and asked for again at B's next link, the copies still are not
        b.stop()
        with sqlite3.connect(b.hub / ".relay" / "relay.db") as db:
            db.execute("DELETE FROM refused_at_hub")
            db.execute("DELETE FROM positions WHERE key IN ('refused_at_hub', 'refused_asked')")
        b.start()
        wait_for(b.link_up, what="B's link again")
        wait_for(lambda: refused_at_hub(b) == 1, what="B asked for its refusals")
        assert refused_ids(str(b.hub), group_id) == frozenset()
