"""A join refused after the group's file was fetched (docs/relay.md, "Leftovers, fifth
round"): `peers join CODE` on a leaf fetches the group from the federation's hub, then signs
the join, and a code used up or revoked meanwhile is refused. The fetched file stayed in the
hub directory, replicated by the relay from then on, though nobody of this host is in the
group. Nothing of a refused join stays now, and a good code joins afterwards. Two hosts on
loopback, real nats-servers and relays."""

from __future__ import annotations

import time

import pytest

from tests.relay_helpers import bodies, team_on_two_hosts, wait_for

pytestmark = pytest.mark.slow


def files_of(host, group_id: str) -> list[str]:
    return sorted(p.name for p in host.hub.iterdir() if p.name.startswith(group_id))


def group_id(user) -> str:
    return next(g["id"] for g in user.ok("groups", "--json").json() if g["name"] == "team")


@pytest.mark.parametrize("how", ["used", "revoked"])
def test_a_refused_join_leaves_nothing_behind(tmp_path, how):
    with team_on_two_hosts(tmp_path) as ((hub, leaf), alice, bob, code):
        team = group_id(alice)
        alice.ok("send", "team", "a1")
        if how == "used":
            hub.user("dave").ok("join", code)
        else:
            alice.ok("invite", "team", "--revoke", code)
        refused = bob.fails("join", code)
        assert ("used up" if how == "used" else "revoked") in refused.err, refused.err
        assert files_of(leaf, team) == []  # nothing of the group on B (its file stayed)
        alice.ok("send", "team", "a2")  # B's relay, running, does not make the file again
        time.sleep(3)  # a2 is on B's link within ~1 s (docs/relay.md, delivery latency)
        assert files_of(leaf, team) == []
        assert [g["name"] for g in bob.ok("groups", "--json").json()] == ["personal"]
        # a good code afterwards: fetched again, joined, and the history is there
        again = alice.ok("invite", "team").out.strip()
        joined = bob.ok("join", again)
        assert joined.out.startswith("joined team"), joined.out
        wait_for(lambda: bodies(bob) == ["a1", "a2"], what="the history on B")
        bob.ok("send", "team", "b1")
        wait_for(lambda: bodies(alice) == ["a1", "a2", "b1"], what="bob's message on A")
        assert leaf.status()["rejected"] == {}
