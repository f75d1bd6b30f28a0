"""A host flooding what other hosts keep of presence entries (fifteenth attack pass).

**Invitations.** 
Sealed invitations to a person at home on another host ride the presence entry of the
sender's host, and the recipient's relay files them into their inbox
(relay/presence_carry.py, core/invitations.file_received), at most MAX_INVITATIONS (1,000)
files an inbox. A host holding a leaf's credentials (or any user there, whose relay carries
what they drop into its inboxes) filled bob's inbox with 1,000 invitations signed by keys of
its own; from then on no other host's invitation to bob was filed, alice's genuine one
included, and the relay took each such one for filed and never tried it again. Now one host
files at most MAX_FROM_HOST into a person's inbox, and one not filed is tried again.

**Profiles.** Each relay keeps the profiles other hosts carried (core/kept_people.py), so that
people of a host gone offline can still be named: at most 1,000, the most recently heard. C
carrying 200 profiles of keys of its own in each of five entries pushed out everyone else:
dave, at home on B while B is offline, could no longer be invited by name on A. Now one host
keeps at most MAX_KEPT_PER_HOST there.

Three hosts on loopback (hub A with alice, leaf B with bob or dave, leaf C the attacker), real
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
from peers_tui.core.host_presence import HostEntry, read_hosts_file
from peers_tui.core.invitations import MAX_FROM_HOST, inbox, seal
from peers_tui.core.invites import InviteCode
from peers_tui.core.kept_people import MAX_KEPT, MAX_KEPT_PER_HOST, read_kept
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


def publish_entries(entries: list[HostEntry]) -> Any:
    async def action(nc: Any, js: Any) -> None:
        for entry in entries:
            await js.publish("peers.presence.C", entry.payload(), timeout=5.0)
    return action


def invitation_entries(texts: list[str]) -> list[HostEntry]:
    return [HostEntry("C", frozenset(), frozenset(), time.time(),
                      invitations=tuple(texts[start:start + PER_ENTRY]))
            for start in range(0, len(texts), PER_ENTRY)]


def profile_entries(entries: int, per_entry: int) -> list[HostEntry]:
    """C says `per_entry` people live there, a new lot in each entry, each with a profile."""
    made = []
    for _ in range(entries):
        people = [Keypair.generate() for _ in range(per_entry)]
        made.append(HostEntry("C", frozenset(), frozenset(p.public_id for p in people),
                              time.time(), profiles=tuple(signed_file(sign(
                                  p, RecordKind.PROFILE, None, {"handle": "visitor"}))
                                  for p in people)))
    return made


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

        entries = invitation_entries(flood_texts(bob_id, group_id, FLOOD))
        box = inbox(b.hub, bob_id)

        def flooded() -> bool:
            # The hub's stream keeps one entry of C's (C's relay's own heartbeat replaces the
            # flood within 0.5 s): a B that did not read them at once (its consumer started
            # again, as a CI saw) never does. The attacker publishes again, as any would.
            if files_in(box) >= MAX_FROM_HOST:
                return True
            assert through(c, publish_entries(entries)) == "done"
            deadline = time.monotonic() + 5
            while files_in(box) < MAX_FROM_HOST and time.monotonic() < deadline:
                time.sleep(0.2)
            return files_in(box) >= MAX_FROM_HOST
        wait_for(flooded, timeout=90, what="C's flood filed on B")
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


def test_one_host_cannot_push_an_offline_hosts_people_out_of_what_is_kept(tmp_path,
                                                                          monkeypatch):
    monkeypatch.setenv("PEERS_PRESENCE_HEARTBEAT", "0.5")
    hosts = federation(tmp_path, ("A", "B", "C"))
    hub, b, c = hosts
    try:
        alice, dave = hub.user("alice"), b.user("dave")
        alice.ok("create", "side")
        start_linked(hosts)
        wait_for(lambda: "dave" in {k.profile.handle for k in read_kept(alice.hub)},
                 timeout=20, what="dave's profile kept on A")
        # dave's host offline, and A's relay restarted since its last entry aged out of the
        # hub's stream (1.5 s here): A names dave only from what its relay kept
        b.stop()
        time.sleep(2 * 1.5)
        hub.stop()
        hub.start()
        wait_for(c.link_up, what="C's link again")
        assert "B" not in {e.host for e in read_hosts_file(alice.hub).others}
        assert alice.run("invite", "side", "--to", "dave").code == 0  # named, before the flood

        per_entry = 200  # what one entry may carry (host_presence.MAX_CARRIED)
        entries = profile_entries(MAX_KEPT // per_entry, per_entry)
        wait_for(lambda: through(c, publish_entries(entries)) == "done",
                 what="C's entries published")  # the hub's stream is back after its restart
        wait_for(lambda: sum(k.host == "C" for k in read_kept(alice.hub)) >= MAX_KEPT_PER_HOST,
                 timeout=30, what="C's profiles kept on A")
        time.sleep(2)  # the rest of the flood heard
        kept = read_kept(alice.hub)
        assert sum(k.host == "C" for k in kept) <= MAX_KEPT_PER_HOST
        said = alice.run("invite", "side", "--to", "dave")
        assert said.code == 0, said.err
        assert said.out.startswith("invited dave"), said.out
    finally:
        stop_all(hosts)
