"""A change (reaction) of a message that a cut later voids, found by the randomized soak
(docs/relay.md, "A randomized soak of three hosts", seeds 4242 and 777): bob posts on leaf B
while B is cut off and alice demotes him on the hub; carol, on B too, reacts to his post
before B hears of the demotion. When B's link returns, bob's post is void on every host (the
cut rule). Carol's reaction is her genuine record all the same: a link of her chain without
effect (core.changes_alone). Before, it was applied on the hub ("changes a message that is
not in the file": the hub's `peers verify` failed) and waited for good on every other leaf
("the message it changes has not arrived"), and so did everything carol wrote after it
("an earlier record by this author is missing").

Three hosts on loopback (hub A, leaves B and C, real nats-server and relays).
"""

from __future__ import annotations

import pytest

from tests.relay_helpers import bodies, federation, join_arrived, stop_all, wait_for

pytestmark = pytest.mark.slow


def _shown(user) -> list[tuple[str, str, object]]:
    return [(m["id"], m["body"], m["reactions"]) for m in user.ok("log", "team", "--json").json()]


def test_a_reaction_to_a_post_a_cut_voids_blocks_nothing(tmp_path):
    hosts = federation(tmp_path, ("A", "B", "C"))
    hub, b, c = hosts
    try:
        alice, bob, carol, dave = hub.user("alice"), b.user("bob"), b.user("carol"), c.user("dave")
        alice.ok("create", "team")
        code = alice.ok("invite", "team", "--uses", "3").out.strip()
        for host in hosts:
            host.start()
        wait_for(b.link_up, what="B's link")
        wait_for(c.link_up, what="C's link")
        join_arrived(bob, code)
        carol.ok("join", code)
        join_arrived(dave, code)
        alice.ok("send", "team", "welcome")
        wait_for(lambda: "welcome" in bodies(carol) and "welcome" in bodies(dave),
                 what="the welcome on B and C")

        b.stop()  # B cut off: its users keep writing
        bob.ok("send", "team", "bob beyond the cut")
        msg = next(m["id"] for m in bob.ok("log", "team", "--json").json()
                   if m["body"] == "bob beyond the cut")
        alice.ok("role", "team", "bob", "reader")  # the hub orders it: bob's post is beyond
        carol.ok("react", "team", msg, "👍")
        carol.ok("send", "team", "carol after her reaction")
        b.start()
        wait_for(b.link_up, what="B's link again")

        for user in (alice, dave):
            wait_for(lambda user=user: "carol after her reaction" in bodies(user), timeout=20,
                     what=f"carol's later post for {user.name}")
        wait_for(lambda: "bob beyond the cut" not in bodies(carol), timeout=20,
                 what="bob's post void on B")
        assert "bob beyond the cut" not in bodies(alice) + bodies(dave)
        wait_for(lambda: _shown(alice) == _shown(carol) == _shown(dave), timeout=10,
                 what="one log on every host")
        for user in (alice, carol, dave):
            verified = user.run("verify", "team")
            assert verified.code == 0, f"{user.name}: {verified.out}"
        for host in hosts:  # nothing held for a message that never comes
            wait_for(lambda host=host: host.status()["waiting"] == 0, timeout=10,
                     what=f"nothing waiting on {host.name}")
    finally:
        stop_all(hosts)
