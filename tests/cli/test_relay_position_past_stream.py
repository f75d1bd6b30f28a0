"""A leaf's position in the federation stream past the stream's end (docs/relay.md
"Fourteenth attack pass"): its `relay.db` edited, or the hub's `PEERS_FED` made anew (its
JetStream store lost) while the leaf kept its number. The leaf's consumer started after that
position, so it received nothing the hub published until the stream grew past it. The hub already starts an inbound stream's consumer from the start
when its position lies past that stream's end (inbound.py); a leaf now does the same with the
federation stream, and applies what it has again as duplicates. (On main the census noticed
the hub holding more than B and fetched the group back whole, the hub's every record of it
read again for each message that came: nothing lost, at a refetch's cost each time.)

Two hosts on loopback, real nats-servers and relays (tests/relay_helpers.py).
"""

from __future__ import annotations

import sqlite3

import pytest

from tests.relay_helpers import bodies, team_on_two_hosts, wait_for

pytestmark = pytest.mark.slow


def test_a_leaf_whose_position_lies_past_the_stream_reads_it_from_the_start(tmp_path):
    with team_on_two_hosts(tmp_path) as (hosts, alice, bob, code):
        hub, leaf = hosts
        bob.ok("join", code)
        alice.ok("send", "team", "before")
        wait_for(lambda: "before" in bodies(bob), what="alice's first post on B")
        leaf.stop()
        with sqlite3.connect(leaf.hub / ".relay" / "relay.db") as ledger:
            [(position,)] = ledger.execute("SELECT value FROM positions WHERE key = 'fed'")
            assert position > 0
            ledger.execute("UPDATE positions SET value = ? WHERE key = 'fed'", (10 ** 9,))
        leaf.start()
        wait_for(leaf.link_up, what="B's link again")
        alice.ok("send", "team", "after")
        wait_for(lambda: "after" in bodies(bob), what="alice's next post on B")
        assert bodies(bob).count("before") == 1  # read again: a duplicate, applied once
        assert "lies past the end of the stream" in leaf.stderr()
        # ... through its consumer, not through the census's refetch of the whole group (on
        # main, each of alice's records reached B only so)
        assert "fetched back from the hub" not in leaf.stderr()
        bob.ok("send", "team", "bob after")
        wait_for(lambda: "bob after" in bodies(alice), what="bob's post on A")
        assert bob.ok("verify", "team").code == 0
