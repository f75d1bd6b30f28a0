"""A refusal whose record stands genuine in the file since (docs/relay.md, "Left open, closed
(h-left15)"): bob's unsent row altered in B's file is refused by B's scan; `peers relay
refetch` puts it back from its signed record. `relay status` went on counting it and `relay
rejected` listing it as refused; now both say what is refused now, and `relay rejected` lists
the restored one apart, marked. Real relays and nats-servers on loopback."""

from __future__ import annotations

import pytest

from tests.cli.test_relay_altered_unsent import bobs_row_altered
from tests.relay_helpers import bodies, wait_for

pytestmark = pytest.mark.slow


def test_a_refusal_restored_by_refetch_is_no_longer_counted_nor_listed_as_live(tmp_path):
    with bobs_row_altered(tmp_path) as ((hub, leaf), group, first):
        wait_for(lambda: leaf.status().get("rejected") == {"B": 1}, what="the row refused on B")
        [refused] = leaf.peers().ok("relay", "rejected", "--json").json()
        assert "restored" not in refused and "does not match" in refused["reason"]
        assert "put back" in leaf.peers().ok("relay", "refetch", group).out
        assert leaf.status().get("rejected") == {}
        [row] = leaf.peers().ok("relay", "rejected", "--json").json()
        assert row["hash"] == refused["hash"] and "relay refetch" in row["restored"]["how"]
        listed = leaf.peers().ok("relay", "rejected")
        [line] = listed.out.splitlines()
        assert ": restored (its row put back from its signed record by relay refetch), was " \
               "written into this host's file" in line, line
        assert "no records are refused now" in listed.err


def test_a_row_put_back_by_refetch_goes_out_at_once(tmp_path):
    """h-altered's first "Left open": the row put back was genuine, but B's scan was past it,
    so it reached A only with bob's next record naming it. The refetch now moves the refusal
    aside before it writes the row back, and the scan that write wakes sends the record."""
    with bobs_row_altered(tmp_path) as ((hub, leaf), group, first):
        alice = hub.users["alice"]
        wait_for(lambda: leaf.status().get("rejected") == {"B": 1}, what="the row refused on B")
        assert "put back" in leaf.peers().ok("relay", "refetch", group).out
        wait_for(lambda: "p1-to-tamper" in bodies(alice), what="p1 on A, nothing sent after it")
        assert alice.run("verify", "team").code == 0
        assert leaf.status().get("rejected") == {} and hub.status().get("rejected") == {}
