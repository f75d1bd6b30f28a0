"""A membership change signed in the year 9997 written straight into the hub host's own file
(docs/relay.md, "Left open, closed (h-left15)"). The hub refuses such a change proposed by a
leaf (thirteenth attack pass), but its own file's scan published it as the federation's order:
every later event stood in 9997 on every host and every invite with an expiry was dead. The
hub's scan now sets it aside, refused, before it publishes the log.
"""

from __future__ import annotations

import pytest

from peers_tui.testing.forge import Forger
from tests.relay_helpers import Refusals, team_on_two_hosts, wait_for

pytestmark = pytest.mark.slow

FAR = 253_370_764_799_999 - 400 * 86_400_000  # late in the year 9997


def _handles(user) -> list[str]:
    return sorted(m["handle"] for m in user.ok("members", "team", "--json").json())


def test_a_change_of_the_year_9997_written_into_the_hubs_file_is_set_aside(tmp_path):
    with team_on_two_hosts(tmp_path) as (hosts, alice, bob, code):
        hub, leaf = hosts
        bob.ok("join", code)
        team = next(g["id"] for g in alice.ok("groups", "--json").json() if g["name"] == "team")
        refused = Refusals(hosts)
        Forger(alice.home).set_handle(hub.hub / f"{team}.db", team, "alicia", t=FAR)
        wait_for(lambda: refused.of(hub) == {"A": 1}, what="the hub's scan refusing it")
        listed = hub.peers().ok("relay", "rejected", "--json").json()
        assert any("ahead of the hub's clock" in row["reason"] for row in listed), listed
        carol = hub.user("carol")
        carol.ok("join", alice.ok("invite", "team", "--expires", "1h").out.strip())
        wait_for(lambda: "carol" in _handles(bob), what="carol's join on B")
        assert _handles(alice) == _handles(bob) == ["alice", "bob", "carol"]
        assert refused.of(leaf) == {}
        verify = alice.run("verify", "team")  # kept in the file, reported, never counted
        assert verify.code != 0 and "membership change 2: set aside: signed more than a day " \
            "ahead of the hub's clock" in verify.out + verify.err
        assert bob.run("verify", "team").code == 0
