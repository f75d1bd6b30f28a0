"""The hub's order service with a group outside its kept stores (docs/relay.md, "Many groups
and a rebuilt stream"): it opened a store of its own for the change's bound, its apply and
its answer, so the change was written through another connection than the scanner's, which
then took it for another process's commit: the file looked at again and counted against the
stream (the census) after every change. Now the group is opened as one of the kept stores,
and the change is the relay's own commit.

Two hosts on loopback, real relays; the hub keeps one group store open
(PEERS_RELAY_OPEN_GROUPS=1), and alice's posts in another group take it between changes.
"""

from __future__ import annotations

import time

import pytest

from tests.relay_helpers import federation, stop_all, wait_for

pytestmark = pytest.mark.slow


def test_a_change_to_a_group_not_kept_open_is_the_hubs_own_commit(tmp_path, monkeypatch):
    monkeypatch.setenv("PEERS_RELAY_OPEN_GROUPS", "1")  # the relays inherit them
    monkeypatch.setenv("PEERS_RELAY_TRACE", "1")
    hosts = federation(tmp_path)
    hub, leaf = hosts
    try:
        alice, bob, carol = hub.user("alice"), leaf.user("bob"), leaf.user("carol")
        group_id = alice.ok("create", "team").out.strip()
        alice.ok("create", "other")
        admin, member = (alice.ok("invite", "team", *role).out.strip()
                         for role in (("--role", "admin"), ()))
        for host in hosts:
            host.start()
        wait_for(leaf.link_up, what="B's link")
        for user, code in ((bob, admin), (carol, member)):
            wait_for(lambda user=user, code=code: user.run("join", code).code == 0,
                     what=f"{user.name}'s join")
        counted = f"counted {group_id[:6]}"
        for i, role in enumerate(("reader", "writer", "reader")):
            alice.ok("send", "other", f"post {i}")  # the hub's one kept store: other's
            time.sleep(1.0)  # published by the hub's scanner, which opens other's store
            before = hub.stderr().count(counted)
            bob.ok("role", "team", "carol", role)
            roles = lambda: {m["handle"]: m["role"] for m in  # noqa: E731
                             alice.ok("members", "team", "--json").json()}
            wait_for(lambda role=role: roles().get("carol") == role, what=f"carol {role} on A")
            wait_for(lambda role=role: {m["handle"]: m["role"] for m in carol.ok(
                "members", "team", "--json").json()}.get("carol") == role,
                     what=f"carol {role} on B")
            time.sleep(2.5)  # a census count follows another process's commit after 1 s
            assert hub.stderr().count(counted) == before, hub.stderr()[-2000:]
        assert alice.ok("verify", "team").code == 0 and carol.ok("verify", "team").code == 0
    finally:
        stop_all(hosts)
