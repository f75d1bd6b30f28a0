"""One count, one order (docs/relay.md, "One count, one order (h-rejectedsame)").

The seventeenth acceptance pass: hal posted on leaf C while C was cut off from hub A, alice
removed him on A meanwhile, and his posts from the cut were void everywhere (the cut rule).
Then
- C's `relay status` counted them twice: "rejected: C 25" (what C's relay took out of its own
  file when the removal arrived, relay/voided.py) and "refused by the hub: 25 of this host's
  records" (the hub's notices of the same records, relay/hub_refusals.py);
- `relay rejected` listed the same records on A and on C in different orders (by when each
  host refused its batch, then by hash);
- B, which never received them, listed nothing and said only "no records were refused".

Here carol does the same on C (cut off through a TCP proxy the test cuts: a partition, the
relays running). Three hosts on loopback: real nats-servers, relays and `peers` processes.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.cli.test_relay import post_many
from tests.cli.test_relay_partition import bodies_of, handles, through_proxy
from tests.relay_helpers import federation, stop_all, team_on_three_hosts, wait_for

pytestmark = pytest.mark.slow

VOID = 12  # carol's posts during the cut, after the last one alice saw


def heard_from_hub(host) -> int:
    """The hub's refusals C's relay keeps (its ledger, read as `relay rejected` reads it)."""
    try:
        with sqlite3.connect(host.hub / ".relay" / "relay.db", timeout=5) as db:
            return int(db.execute("SELECT COUNT(*) FROM refused_at_hub").fetchone()[0])
    except sqlite3.Error:
        return 0


def listing(host) -> list[dict]:
    return host.peers().ok("relay", "rejected", "--json").json()


def settled(hub, c) -> int:
    """Once C has taken all VOID out of its file, the hub lists those it received (C sends
    them as its link returns, and takes out the rest when the removal arrives: most often
    all of them reach the hub, sometimes 5 or so), C has heard the hub's word on each, and
    nothing has changed for a moment: how many the hub refused."""
    last: tuple[int, int, int] | None = None

    def look() -> bool:
        nonlocal last
        time.sleep(0.3)
        now = (len(listing(hub)), heard_from_hub(c), len(listing(c)))
        done = now == last and now[2] == VOID and now[0] == now[1] >= 1
        last = now
        return done
    wait_for(look, timeout=40, what="the hub's refusals heard on C, C's take-out")
    assert last is not None
    return last[0]


@contextmanager
def voided_on_c(tmp_path) -> Iterator[tuple]:
    """carol's VOID posts from a cut-off C, void by alice's removal on A, refused at the hub
    and taken out of C's file, the hub's word about them heard on C; hosts A, B, C."""
    hub, b, c = hosts = federation(tmp_path, ("A", "B", "C"))
    proxy = through_proxy(c, hub)
    try:
        alice, bob, carol, group_id = team_on_three_hosts(hub, b, c)
        seen = set(post_many(carol, "seen", 2))
        wait_for(lambda: seen <= set(bodies_of(alice)), what="carol's first posts at the hub")
        proxy.cut()
        wait_for(lambda: not c.link_up(), what="C to see the cut")
        unseen = set(post_many(carol, "unseen", VOID))
        alice.ok("remove", "team", "carol")
        proxy.restore()
        wait_for(c.link_up, what="C back")
        wait_for(lambda: "carol" not in handles(carol), timeout=30, what="the removal on C")
        refused_at_a = settled(hub, c)
        for user in (alice, bob, carol):
            assert not unseen & set(bodies_of(user)), user.name
        yield hub, b, c, refused_at_a
    finally:
        stop_all(hosts)
        proxy.close()


def test_a_cuts_voids_are_counted_once_in_the_authors_hosts_status(tmp_path):
    """C's status counts the voids once, as its own refusal (what `relay rejected` lists
    there), and not again as the hub's word about the same records."""
    with voided_on_c(tmp_path) as (hub, b, c, refused_at_a):
        status = c.status()
        assert status["rejected"] == {"C": VOID}, status
        assert status["refused_at_hub"] == 0, status  # main: refused_at_a
        plain = c.peers().ok("relay", "status").out
        assert f"rejected: C {VOID}" in plain and "refused by the hub" not in plain, plain
        assert sum(status["rejected"].values()) + status["refused_at_hub"] == len(listing(c))
        assert hub.status()["rejected"] == {"C": refused_at_a}


def signed_order(host) -> list[str]:
    """The refused records' hashes by group, the time each says it was signed, then hash
    (read from the host's quarantine, where each is kept with its text)."""
    with sqlite3.connect(host.hub / ".relay" / "relay.db", timeout=5) as db:
        rows = db.execute("SELECT group_id, record, hash FROM quarantine").fetchall()
    return [digest for _, _, digest in sorted(
        (group, json.loads(text)["t"], digest) for group, text, digest in rows)]


def test_a_cuts_voids_are_listed_in_one_order_on_every_host_that_lists_them(tmp_path):
    """A and C list the same records line for line, text and --json: by group, the time the
    record says it was signed, then hash; not by when each host refused its batch."""
    with voided_on_c(tmp_path) as (hub, _, c, _):
        on_a, on_c = listing(hub), listing(c)
        expected = signed_order(c)  # all VOID; the hub has those it received
        assert [row["hash"] for row in on_c] == expected
        assert [row["hash"] for row in on_a] == signed_order(hub)
        assert [row["hash"] for row in on_a] == [h for h in expected if h in signed_order(hub)]
        assert all(row["host"] == "C" for row in on_a + on_c)
        texts = [[line.split()[3] for line in host.peers().ok("relay", "rejected").out.splitlines()]
                 for host in (hub, c)]
        assert texts == [[row["hash"][:12] for row in rows] for rows in (on_a, on_c)], texts
        assert [row["signed"] for row in on_c] == sorted(row["signed"] for row in on_c)


def test_a_leaf_that_never_held_the_voids_says_where_they_are_listed(tmp_path):
    """B never received carol's void posts (the hub refused them before they went further):
    it lists nothing, and its line says the hub lists them."""
    with voided_on_c(tmp_path) as (hub, b, _, _):
        assert listing(b) == [] and b.status()["rejected"] == {}
        empty = b.peers().ok("relay", "rejected")
        assert empty.out == ""
        assert "no records were refused here" in empty.err, empty.err
        assert "'peers relay rejected' on A lists them" in empty.err, empty.err
        assert hub.peers().ok("relay", "rejected").err == ""  # (the hub lists them)
