"""A forged row void by a cut is refused once, under the host whose file it was written into
(docs/relay.md, "Thirtieth acceptance pass (h-accept7)").

The thirtieth acceptance pass wrote into leaf C's file, with sqlite3, a post signed by bob
(removed on the hub, his key at hand) that names the membership state before his removal.
C's relay refused it as written into its own file ("rejected: C 1"), and left it in the file
as it leaves every forged row. The next membership change the file took made the relay take
out what the cuts void (relay.voided): that same row, which it filed again, under the host
bob's genuine records had come from: `relay status` on C said "rejected: B 1, C 1" for one
record that B never sent, and `relay rejected` listed it twice.

Three hosts on loopback (hub A, leaves B and C: real nats-servers, relays and `peers`
processes).
"""

from __future__ import annotations

import sqlite3

import pytest

from peers_tui.testing.forge import Forger
from tests.cli.test_relay_attacks import three  # noqa: F401 (the fixture)
from tests.relay_helpers import Refusals, bodies, wait_for

pytestmark = pytest.mark.slow

FORGED = "bob after his removal, dated before it"


def in_file(host, group_id: str, body: str) -> bool:
    with sqlite3.connect(host.hub / f"{group_id}.db", timeout=5) as conn:
        return conn.execute("SELECT 1 FROM message WHERE body = ?", (body,)).fetchone() is not None


def test_a_forged_row_void_by_a_cut_is_refused_once_under_the_host_it_was_written_on(three):  # noqa: F811
    hosts, group_id = three
    hub, b, c = hosts
    alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
    bob.ok("send", "team", "bob's genuine post")  # C's relay notes B as where bob's come from
    wait_for(lambda: "bob's genuine post" in bodies(carol), what="bob's post on C")
    alice.ok("remove", "team", "bob")
    wait_for(lambda: "bob" not in carol.ok("members", "team").out, what="the removal on C")
    refusals = Refusals(hosts)

    db = c.hub / f"{group_id}.db"
    forger = Forger(bob.home)
    head_seq, _ = forger.membership_head(db)
    forger.message(db, group_id, FORGED, mseq=head_seq - 1)
    wait_for(lambda: refusals.of(c), what="C's relay to refuse the forged row")
    assert refusals.of(c) == {"C": 1}  # failed before: {"B": 1}, a host that never sent it

    alice.ok("role", "team", "carol", "admin")  # a change that moves C's membership log
    wait_for(lambda: not in_file(c, group_id, FORGED), what="the void row taken out of C's file")
    assert refusals.of(c) == {"C": 1}  # before, when the scan refused it first: B 1, C 1
    listed = c.peers().ok("relay", "rejected", "--json").json()
    bob_id = bob.ok("id", "--json").json()[0]["id"]
    assert [item["host"] for item in listed if item.get("author") == bob_id] == ["C"]
    for host in (hub, b):
        assert not in_file(host, group_id, FORGED), host.name
    assert refusals.of(hub) == {} and refusals.of(b) == {}


def test_a_forged_row_written_while_the_relay_was_down_is_refused_under_this_host(three):  # noqa: F811
    """C's relay stopped, bob removed on A, a post of his naming C's head (the state before
    the removal) written into C's file. C's relay, started, sends it (its scan runs first:
    genuine at C's state), the hub refuses it under C, and C takes it out when the removal
    arrives: under B before, where bob's genuine records came from (A said C, C said B).
    What a relay sends now notes its authors' origin as this host (relay/local.py)."""
    hosts, group_id = three
    hub, b, c = hosts
    alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
    bob.ok("send", "team", "bob's genuine post")
    wait_for(lambda: "bob's genuine post" in bodies(carol), what="bob's post on C")
    refusals = Refusals(hosts)
    c.stop()
    alice.ok("remove", "team", "bob")
    Forger(bob.home).message(c.hub / f"{group_id}.db", group_id, FORGED)
    c.start()
    wait_for(c.link_up, what="C's link again")
    wait_for(lambda: not in_file(c, group_id, FORGED), what="the void row taken out of C's file")
    wait_for(lambda: refusals.of(c), what="C's count of it")
    assert refusals.of(c) == {"C": 1}  # failed before: {"B": 1}
    for host in (hub, b):
        assert not in_file(host, group_id, FORGED), host.name
