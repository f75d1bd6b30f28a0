"""The hub's `PEERS_FED` made anew (docs/relay.md, "Many groups and a rebuilt stream"): its
JetStream store deleted while the hub's relay was stopped. The hub's scan positions said its
files were published, so the new stream held only what came after: a host joining later
found no history. Now the hub notices a stream created at another time (or ending before
what it was acknowledged at) and publishes its files' history into it again.

Four hosts on loopback, real nats-servers and relays (tests/relay_helpers.py): A the hub with
alice, B bob and C carol, who all post; A's store deleted while stopped; then dave joins
from D and gets every message once.
"""

from __future__ import annotations

import shutil

import pytest

from tests.relay_helpers import bodies, federation, stop_all, team_on_three_hosts, wait_for

pytestmark = pytest.mark.slow


def test_a_host_joining_after_the_hubs_stream_was_made_anew_gets_the_whole_history(tmp_path):
    hosts = federation(tmp_path, ("A", "B", "C", "D"))
    hub, b, c, d = hosts
    try:
        alice, bob, carol, group_id = team_on_three_hosts(hub, b, c)
        posts = [(alice, ["a1", "a2"]), (bob, ["b1", "b2"]), (carol, ["c1", "c2"])]
        for user, texts in posts:
            for text in texts:
                user.ok("send", "team", text)
        everything = sorted(t for _, texts in posts for t in texts)
        for user in (alice, bob, carol):
            wait_for(lambda user=user: sorted(bodies(user)) == everything, timeout=30,
                     what=f"every post on {user.name}'s host")
        hub.stop()
        shutil.rmtree(hub.hub / ".relay" / "js")  # the hub's JetStream store lost
        hub.start()
        for leaf in (b, c):
            wait_for(leaf.link_up, what=f"{leaf.name}'s link again")
        alice.ok("send", "team", "after")
        everything = sorted([*everything, "after"])
        code = alice.ok("invite", "team").out.strip()
        d.start()
        wait_for(d.link_up, what="D's link")
        dave = d.user("dave")
        wait_for(lambda: dave.run("join", code).code == 0, what="dave's join")
        wait_for(lambda: sorted(bodies(dave)) == everything, timeout=30,
                 what="the whole history on D")
        assert len(dave.ok("members", "team", "--json").json()) == 4
        assert "was made anew" in hub.stderr() and "records published into" in hub.stderr()
        # Nothing twice anywhere (the leaves read the new stream from its start: duplicates).
        for user in (alice, bob, carol):
            wait_for(lambda user=user: "after" in bodies(user), what=f"'after' on {user.name}'s")
            assert sorted(bodies(user)) == everything
        for user in (alice, bob, carol, dave):
            assert user.ok("verify", "team").code == 0
        # Started again with its store: the same stream, nothing published again.
        hub.stop()
        hub.start()
        wait_for(b.link_up, what="B's link once more")
        alice.ok("send", "team", "last")
        wait_for(lambda: "last" in bodies(dave), what="'last' on D")
        assert hub.stderr().count("was made anew") == 1
    finally:
        stop_all(hosts)
