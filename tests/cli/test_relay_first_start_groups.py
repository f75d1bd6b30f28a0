"""A leaf's first start with more new groups than it keeps stores open (docs/relay.md, "Many
groups and a rebuilt stream"): each new group was opened to ask the hub for its history,
closed to make room for the next ones, and opened again to be scanned. Now a pass takes as
many new groups as stores are kept and scans them while they are open: each is opened once.
Real relays on loopback; the cap set to 2 (PEERS_RELAY_OPEN_GROUPS), six groups founded on
B before its relay first starts; the stores closed to make room read from `relay status`."""

from __future__ import annotations

import time

import pytest

from tests.relay_helpers import federation, start_linked, stop_all, wait_for

pytestmark = pytest.mark.slow

CAP, GROUPS = 2, 6
STATUS_EVERY = 2.0  # relay/runner.py: status.json written this often


def test_each_new_group_is_opened_once_at_a_first_start(tmp_path, monkeypatch):
    monkeypatch.setenv("PEERS_RELAY_OPEN_GROUPS", str(CAP))  # the relays inherit it
    hub, leaf = hosts = federation(tmp_path)
    bob = leaf.user("bob")
    for i in range(GROUPS):
        bob.ok("create", f"g{i}")
    try:
        start_linked(hosts)
        wait_for(lambda: len(list(hub.hub.glob("*.db"))) >= GROUPS, what="every group on A")
        wait_for(lambda: leaf.status().get("unsent") == 0
                 and leaf.status()["stores"]["most"] >= CAP, what="nothing unsent on B")
        time.sleep(3 * STATUS_EVERY)  # the status written again since, the census through
        stores = leaf.status()["stores"]
        # Six opened, two kept: four closed to make room (on main, with each opened twice, 10).
        assert stores["closed"] == GROUPS - CAP, stores
    finally:
        stop_all(hosts)
