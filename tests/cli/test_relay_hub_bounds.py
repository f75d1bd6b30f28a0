"""What the hub keeps for good is bounded (relay/hub_bounds.py): a member's modified client on
a leaf, holding a valid token, signs genuine messages without end; before, the hub stored
every one in the group's file and in PEERS_FED. Now a group's records, a leaf's bytes and the
disk left free are bounded: what passes a bound is refused at the hub with the bound's name
(counted in `relay status`, which says which bound was reached, and listed in `relay
rejected`), and nothing already stored is dropped.

Hub A and leaf B on loopback, real nats-server and relays, bob's records forged into B's
own file with his own key (what a modified client writes).
"""

from __future__ import annotations

import json

import pytest

from peers_tui.relay.config import load_config, save_config
from peers_tui.relay.envelope import FED_STREAM, fed_subject
from peers_tui.testing.forge import Forger
from tests.cli.test_relay_attacks import through
from tests.relay_helpers import bodies, federation, stop_all, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.serial]

FLOOD = 40
BOUNDS = {
    "a group's records": ({"fed_max_msgs_per_group": 20}, "fed_max_msgs_per_group", 19),
    "a leaf's bytes": ({"leaf_max_bytes": 12_000}, "leaf_max_bytes", None),
    "the disk left free": ({"min_free_disk": 1 << 60}, "min_free_disk", 0),
}


@pytest.fixture(params=list(BOUNDS))
def bounded(request, tmp_path):
    limits, name, admitted = BOUNDS[request.param]
    hosts = federation(tmp_path)
    hub, leaf = hosts
    config = load_config(hub.hub)
    config.limits = limits
    save_config(hub.hub, config)
    try:
        alice, bob = hub.user("alice"), leaf.user("bob")
        group_id = alice.ok("create", "team").out.strip()
        code = alice.ok("invite", "team").out.strip()
        alice.ok("send", "team", "before the flood")  # one record of the group's 20
        for host in hosts:
            host.start()
        wait_for(leaf.link_up, what="B's link")
        wait_for(lambda: bob.run("join", code).code == 0, what="bob's join")
        yield hosts, alice, bob, group_id, name, admitted
    finally:
        stop_all(hosts)


def fed_subject_state(hub, subject: str) -> dict:
    found: dict = {}

    async def action(nc, js):
        info = await js.stream_info(FED_STREAM, subjects_filter=subject)
        found["count"] = (info.state.subjects or {}).get(subject, 0)
        found["config"] = info.config

    assert through(hub, action) == "done"
    return found


def test_the_hub_keeps_only_so_much_of_a_group_or_a_leaf_and_says_so(bounded):
    (hub, leaf), alice, bob, group_id, bound, admitted = bounded
    forger = Forger(bob.home)
    for n in range(FLOOD):  # genuine records of bob's, each after the one before
        forger.message(leaf.hub / f"{group_id}.db", group_id, f"flood {n} " + "x" * 400)
    floods = lambda: [b for b in bodies(alice) if b.startswith("flood ")]  # noqa: E731
    wait_for(lambda: len(floods()) + hub.status().get("rejected", {}).get("B", 0) >= FLOOD,
             timeout=60, what="every record of the flood applied or refused at the hub")
    kept = floods()
    refused = hub.peers().ok("relay", "rejected", "--json").json()
    assert len(kept) + len(refused) == FLOOD, (len(kept), refused[:1])
    assert refused and all(row["host"] == "B" and bound in row["reason"] for row in refused)
    if admitted is not None:
        assert len(kept) == admitted
    # Old records stay: none dropped to make room, here or in the federation.
    assert "before the flood" in bodies(alice) and "before the flood" in bodies(bob)
    assert len([b for b in bodies(bob) if b.startswith("flood ")]) == FLOOD  # B keeps its own
    status = hub.status()
    assert status["rejected"] == {"B": FLOOD - len(kept)}
    assert any(bound in reason for reason in status["at_bound"]), status
    text = hub.peers().ok("relay", "status").out
    assert "at a bound: " in text and bound in text and f"rejected: B {FLOOD - len(kept)}" in text
    fed = fed_subject_state(hub, fed_subject(group_id, "msg"))
    assert fed["count"] == 1 + len(kept)  # what the hub's file holds, no more, no less
    # The engine's own bound on a group's subject: DiscardPolicy.NEW, never dropping history.
    assert fed["config"].max_msgs_per_subject == load_config(hub.hub).limits.get(
        "fed_max_msgs_per_group", 10_000_000)
    assert getattr(fed["config"].discard, "value", fed["config"].discard) == "new" and fed["config"].discard_new_per_subject
    if bound == "leaf_max_bytes":  # the totals go to the ledger with the status (2 s)
        wait_for(lambda: hub.status()["stored"].get("B", 0) > 12_000 - 800, what="B's bytes counted")
        assert hub.status()["stored"]["B"] <= 12_000
        text = hub.peers().ok("relay", "status").out
        assert "stored for leaves (at most 12.0 kB a leaf): B " in text
    print(json.dumps({"kept": len(kept), "status": {k: status.get(k) for k in
                                                    ("stored", "at_bound", "rejected")}}))
