"""A role change or removal by an admin whom the hub removed (or demoted) meanwhile, made on
a leaf that did not know it yet, found by the randomized soak (docs/relay.md, "A randomized
soak of three hosts", "Left, minor"). The hub refuses it (another change holds its place),
the leaf catches up with the hub's changes and runs the command again, and the user read
"peers: signer is not a member", the membership replay's words for a forged record.

Two hosts on loopback (hub A, leaf B, real nats-server and relays). B's relay is paused
(SIGSTOP) while alice removes bob and demotes dave at the hub, so B has not applied either
when bob's command asks the hub: the path of the soak, every time. (Had B applied them
first, the command would end in the same local check, against the same log.)
"""

from __future__ import annotations

import signal
import sqlite3
from contextlib import closing

import pytest

from tests.relay_helpers import federation, join_arrived, paused_between_writes, stop_all, wait_for

pytestmark = pytest.mark.slow


def members_of(user, group="team"):
    return {m["handle"]: m for m in user.ok("members", "team", "--all", "--json").json()}


def changes_on(host, group_id):
    """How many membership changes the host's file holds (read in place: B's relay paused)."""
    with closing(sqlite3.connect(host.hub / f"{group_id}.db")) as db:
        return int(db.execute("SELECT COUNT(*) FROM group_members").fetchone()[0])


def test_an_admin_removed_or_demoted_at_the_hub_is_told_so_on_the_leaf(tmp_path):
    hosts = federation(tmp_path)
    hub, b = hosts
    try:
        alice, bob, carol, dave = hub.user("alice"), b.user("bob"), b.user("carol"), b.user("dave")
        group_id = alice.ok("create", "team").out.strip()
        code = alice.ok("invite", "team", "--uses", "3").out.strip()
        for host in hosts:
            host.start()
        wait_for(b.link_up, what="B's link")
        join_arrived(bob, code)
        carol.ok("join", code)
        dave.ok("join", code)
        alice.ok("role", "team", "bob", "admin")
        alice.ok("role", "team", "dave", "admin")
        wait_for(lambda: members_of(bob)["dave"]["role"] == "admin", what="the roles on B")
        known = changes_on(b, group_id)

        # B's relay paused, idle: it applies nothing of what alice does now, while its
        # nats-server still carries a membership change to the hub (hub_reach.relay_alive:
        # for up to STALE_STATUS), which refuses it as stale; bob's command catches up with
        # the hub's changes and runs again against them. Stopped between writes of B's file,
        # which bob's command writes (inside one, it waited on the lock).
        assert b.process is not None
        paused_between_writes(b, group_id)
        try:
            alice.ok("remove", "team", "bob")
            alice.ok("role", "team", "dave", "writer")
            assert changes_on(b, group_id) == known  # the hub's order has not reached B
            refused = bob.fails("role", "team", "carol", "reader").err.strip()
        finally:
            b.process.send_signal(signal.SIGCONT)
        assert refused == "peers: you cannot change a role: you were removed from this group"
        refused = bob.fails("remove", "team", "carol").err.strip()
        assert refused == "peers: you cannot remove a member: you were removed from this group"
        # demoted: the rule in its own words (as on one host), not the replay's
        refused = dave.fails("role", "team", "carol", "reader").err.strip()
        assert refused == "peers: a writer cannot change a writer", refused
        assert members_of(alice)["carol"]["role"] == "writer"
        assert members_of(alice)["bob"]["state"] == "removed"
    finally:
        stop_all(hosts)
