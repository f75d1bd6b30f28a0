"""`peers relay refetch NAME` run as the relay's own user (twelfth acceptance pass, "Left open"):
names were resolved only among that user's groups ("no group 'm02' in your groups"), and the
relay's user is in none. A group file of the hub is named by the name it was founded with
(or an id prefix); a name no file has gets one line saying to use the group's id. Real
relays and nats-servers on loopback."""

from __future__ import annotations

import sqlite3

from tests.relay_helpers import bodies, federation, start_linked, stop_all, wait_for


def test_the_relays_user_refetches_a_group_by_its_name(tmp_path):
    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, bob = hub.user("alice"), leaf.user("bob")
        group = alice.ok("create", "m02").out.strip()
        alice.ok("create", "other")
        code = alice.ok("invite", "m02").out.strip()
        start_linked(hosts)
        wait_for(lambda: bob.run("join", code).code == 0, what="bob's join")
        sent = alice.ok("send", "m02", "hello").out.strip()
        wait_for(lambda: "hello" in bodies(bob, "m02"), what="hello on B")
        with sqlite3.connect(leaf.hub / f"{group}.db") as db:
            db.execute("DELETE FROM message WHERE id = ?", (sent,))
        relay_user = leaf.peers()
        result = relay_user.run("relay", "refetch", "m02")
        assert result.code == 0, result.err
        assert f"of group {group}" in result.out
        assert "hello" in bodies(bob, "m02")
        assert relay_user.ok("relay", "refetch", group[:6]).code == 0  # an id prefix
        missing = relay_user.run("relay", "refetch", "no-such-group")
        assert missing.code != 0 and "Traceback" not in missing.err
        assert "use the group's id" in missing.err and len(missing.err.strip().splitlines()) == 1
    finally:
        stop_all(hosts)
