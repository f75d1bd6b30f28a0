"""A host flooding someone's inbox of invitations on another host (fifteenth attack pass).

Sealed invitations to a person at home on another host ride the presence entry of the
sender's host, and the recipient's relay files them into their inbox
(relay/presence_carry.py, core/invitations.file_received), at most MAX_INVITATIONS (1,000)
files an inbox. A host holding a leaf's credentials (or any user there, whose relay carries
what they drop into its inboxes) filled bob's inbox with 1,000 invitations signed by keys of
its own; from then on no other host's invitation to bob was filed, alice's genuine one
included, and the relay took each such one for filed and never tried it again. Now one host
files at most MAX_FROM_HOST into a person's inbox, and one not filed is tried again.

Three hosts on loopback (hub A with alice, leaf B with bob, leaf C the attacker), real
nats-servers and relays; the attacker publishes presence entries on C's own subject with a
client on C's server, as C's relay does.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from peers_tui.core.account import Account
from peers_tui.core.federation_people import known_people
from peers_tui.core.identity import Keypair
from peers_tui.core.host_presence import HostEntry
from peers_tui.core.invitations import MAX_FROM_HOST, inbox, seal
from peers_tui.core.invites import InviteCode
from peers_tui.core.kinds import RecordKind
from peers_tui.core.profiles import signed_file
from peers_tui.core.records import sign
from tests.cli.test_relay_attacks import through
from tests.relay_helpers import federation, start_linked, stop_all, wait_for

pytestmark = [pytest.mark.slow]

FLOOD = 1000  # the inbox bound on main
PER_ENTRY = 100  # invitations in one presence entry (an entry holds at most 256 kB)


def flood_texts(to: str, group_id: str, count: int) -> list[str]:
    """`count` sealed invitations to `to`, each signed by a key of the attacker's own."""
    texts = []
    for n in range(count):
        signer = Keypair.generate()
        code = InviteCode(group_id, Keypair.generate())
        sealed = seal(to, {"code": str(code), "from": signer.public_id, "to": to})
        texts.append(signed_file(sign(signer, RecordKind.INVITATION, None, {
            "to": to, "group": group_id, "name": f"prize {n}",
            "invite": code.key.public_id, "sealed": sealed})))
    return texts


def publish_entries(texts: list[str]) -> Any:
    async def action(nc: Any, js: Any) -> None:
        for start in range(0, len(texts), PER_ENTRY):
            entry = HostEntry("C", frozenset(), frozenset(), time.time(),
                              invitations=tuple(texts[start:start + PER_ENTRY]))
            await js.publish("peers.presence.C", entry.payload(), timeout=5.0)
    return action


def files_in(path) -> int:  # noqa: ANN001
    try:
        return sum(1 for name in path.iterdir() if not name.name.startswith("."))
    except FileNotFoundError:
        return 0


def test_one_host_cannot_fill_an_inbox_against_every_other_host(tmp_path, monkeypatch):
    monkeypatch.setenv("PEERS_PRESENCE_HEARTBEAT", "0.5")
    hosts = federation(tmp_path, ("A", "B", "C"))
    hub, b, c = hosts
    try:
        alice, bob = hub.user("alice"), b.user("bob")
        group_id = alice.ok("create", "side").out.strip()
        start_linked(hosts)
        bob_id = Account(bob.home, bob.hub).user_id
        wait_for(lambda: "bob" in {k.profile.handle for k in known_people(alice.hub)},
                 timeout=20, what="bob's profile heard on A")

        assert through(c, publish_entries(flood_texts(bob_id, group_id, FLOOD))) == "done"
        box = inbox(b.hub, bob_id)
        wait_for(lambda: files_in(box) >= MAX_FROM_HOST, timeout=30, what="C's flood filed on B")
        settled = -1
        while settled != files_in(box):  # B's relay has filed what it takes of the flood
            settled = files_in(box)
            time.sleep(1.5)
        assert settled <= MAX_FROM_HOST, settled

        said = alice.run("invite", "side", "--to", "bob")
        assert said.code == 0, said.err
        offered = wait_for(lambda: [i for i in bob.ok("invitations", "--json").json()
                                    if i["from"] == "alice"], timeout=20,
                           what="alice's invitation offered to bob on B")
        assert offered[0]["valid"] and offered[0]["group"] == "side"
        bob.ok("invitations", "accept", offered[0]["id"])
        wait_for(lambda: "bob" in {m["handle"] for m in alice.ok(
            "members", "side", "--json").json()}, timeout=20, what="bob's join on A")
    finally:
        stop_all(hosts)
