"""A leaf founding groups at the hub (relay/founding.py): anyone holding a leaf's credentials
can sign geneses at will, and each one the hub applied became a group file there and records
in its federation stream. The hub now holds at most `groups_per_leaf` groups a leaf founded
that no user of the hub takes part in; a genesis beyond that is refused with the reason,
counted in `relay status` and kept in `relay rejected`. A group founded on a leaf and joined
from another leaf through the hub still works, and a user of the hub joining a group frees
its place.

Three hosts on loopback (hub A, leaves B and C, real nats-server and relays).
"""

from __future__ import annotations

import os

import pytest

from peers_tui.core.encoding import b32
from peers_tui.core.genesis import group_id_of
from peers_tui.core.kinds import RecordKind
from peers_tui.relay.config import load_config, save_config
from peers_tui.relay.envelope import Envelope, in_subject
from peers_tui.testing.forge import Forger
from tests.cli.test_relay_attacks import publish, through
from tests.relay_helpers import bodies, federation, stop_all, team_on_three_hosts, wait_for

pytestmark = pytest.mark.slow
CAP = 2


@pytest.fixture
def capped(tmp_path):
    hosts = federation(tmp_path, ("A", "B", "C"))
    hub = hosts[0]
    config = load_config(hub.hub)
    config.limits = {"groups_per_leaf": CAP}
    save_config(hub.hub, config)
    try:
        team_on_three_hosts(*hosts)
        yield hosts
    finally:
        stop_all(hosts)


def made_up_group(forger: Forger, n: int) -> Envelope:
    record = forger.sign(RecordKind.GENESIS, None, {"name": f"made up {n}", "handle": "m",
                                                    "nonce": b32(os.urandom(10))})
    return Envelope(group_id_of(record), "genesis", record.text, record.sig, None, "B")


def test_a_leaf_founds_only_so_many_groups_nobody_at_the_hub_is_in(capped):
    hub, b, c = capped
    alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
    files_before = set(hub.hub.glob("*.db"))
    mallory = Forger(b.user("mallory").home)
    made_up = [made_up_group(mallory, n) for n in range(6)]
    for envelope in made_up:
        assert through(b, publish(in_subject("B", envelope.group_id), envelope)) == "done"
    wait_for(lambda: hub.status().get("rejected", {}).get("B") == len(made_up) - CAP,
             timeout=30, what="the geneses past the cap refused and counted against B")
    assert len(set(hub.hub.glob("*.db")) - files_before) == CAP
    assert hub.status()["founded"] == {"B": CAP}
    refused = hub.peers().ok("relay", "rejected", "--json").json()
    assert len(refused) == len(made_up) - CAP
    assert all(row["host"] == "B" and row["kind"] == "genesis"
               and "groups_per_leaf" in row["reason"] for row in refused), refused
    assert f"B {CAP}" in hub.peers().ok("relay", "status").out
    # What users need still works: a group founded on C, joined from B through the hub.
    club = carol.ok("create", "club").out.strip()
    code = carol.ok("invite", "club").out.strip()
    wait_for(lambda: (hub.hub / f"{club}.db").exists(), what="the club at the hub")
    wait_for(lambda: bob.run("join", code).code == 0, timeout=30, what="bob's join of the club")
    carol.ok("send", "club", "hello club")
    wait_for(lambda: "hello club" in bodies(bob, "club"), timeout=30, what="the club's message on B")
    assert hub.status()["founded"] == {"B": CAP, "C": 1}
    # A user of the hub taking part frees the group's place.
    code = carol.ok("invite", "club").out.strip()
    wait_for(lambda: alice.run("join", code).code == 0, timeout=30, what="alice's join")
    wait_for(lambda: hub.status()["founded"] == {"B": CAP}, what="the club no longer C's")
