"""`peers people` across hosts (issue 15): it listed only the profiles published in this hub,
so someone at home on another host of the federation, whom `/invite @dave`, `peers invite
--to dave` and `/dm dave` already name, was missing from the list of people. Now it lists
everyone those commands know by their published profile (core.federation_people), with
where each is, as `peers members` says it; a host gone offline leaves its people listed,
away. Real relays and nats-servers on loopback."""

from __future__ import annotations

import pytest

from peers_tui.core.federation_people import known_people
from tests.relay_helpers import federation, stop_all, wait_for


@pytest.mark.slow
def test_people_at_home_on_another_host_are_listed_with_where_they_are(tmp_path, monkeypatch):
    monkeypatch.setenv("PEERS_PRESENCE_HEARTBEAT", "0.5")  # a host gone ages out in 1.5 s
    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, dave = hub.user("alice"), leaf.user("dave")
        alice.ok("people")
        dave.ok("people")  # his profile, published on B only
        for host in hosts:
            host.start()
        wait_for(lambda: "dave" in {k.profile.handle for k in known_people(alice.hub)},
                 what="B's people heard on A")
        listed = {p["handle"]: p for p in alice.ok("people", "--json").json()}
        assert {"alice", "dave"} <= set(listed), listed
        assert (listed["dave"]["hosts"], listed["dave"]["here"]) == (["B"], False)
        assert listed["alice"]["me"] and listed["alice"]["hosts"] == ["A"]
        [line] = [line for line in alice.ok("people").lines if line.startswith("dave ")]
        assert line.endswith("  on B") or "away (B)" in line, line

        leaf.stop()  # B offline: dave is still known on A (kept), shown away
        wait_for(lambda: "away (B)" in alice.ok("people").out, timeout=20,
                 what="dave away on A")
        assert "dave" in {p["handle"] for p in alice.ok("people", "--json").json()}
    finally:
        stop_all(hosts)

