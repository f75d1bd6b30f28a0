"""An author forking their own chain across hosts (docs/relay.md "An author forking their own
chain"): bob signs a second message at a place of his chain that his first one holds, and it
is filed straight into leaf B's file. Every host must end with both void and the same heads:
the relays carry the second record as evidence instead of the hub refusing it, and `peers
verify` lists the fork the same way on every host.

Three hosts on loopback (hub A, leaves B and C, real nats-server and relays).
"""

from __future__ import annotations

import sqlite3

import pytest

from peers_tui.core.group_store import GroupStore
from peers_tui.testing.forge import Forger
from tests.cli.test_relay_attacks import three  # noqa: F401 (the fixture)
from tests.relay_helpers import Host, bodies, wait_for

pytestmark = pytest.mark.slow


def verdicts(user, body_end: str) -> list[tuple[str, bool, str]]:
    return [(m["body"], m["verified"], m.get("problem") or "") for m in
            user.ok("log", "team", "--json").json() if m["body"].endswith(body_end)]


def heads(host: Host, group_id: str) -> tuple:
    store = GroupStore(host.hub / f"{group_id}.db", group_id)
    try:
        return store.heads()
    finally:
        store.close()


def test_a_fork_filed_into_one_hosts_file_ends_void_on_every_host(three):  # noqa: F811
    hosts, group_id = three
    hub, b, c = hosts
    users = [hub.users["alice"], b.users["bob"], c.users["carol"]]
    b.users["bob"].ok("send", "team", "first at one")
    wait_for(lambda: all("first at one" in bodies(user) for user in users), what="the first")
    db = b.hub / f"{group_id}.db"
    with sqlite3.connect(db) as conn:
        conn.execute("DROP INDEX message_author_author_seq")
    Forger(b.users["bob"].home).message(db, group_id, "second at one", aseq=1, aprev="")

    def void_everywhere() -> bool:
        for user in users:
            found = verdicts(user, "at one")
            if not found or any(ok or "forked chain" not in why for _, ok, why in found):
                return False
        return True

    wait_for(void_everywhere, timeout=20, what="both records void on every host")
    reports = [user.run("verify", "team") for user in users]
    for report in reports:
        assert report.code == 1 and "1 places of their chain hold two records" in report.out
    # The listing is a function of the signed records alone: B holds the second record in
    # its message table, A and C as fork evidence, and all three print the same lines, both
    # records of the fork among them.
    assert reports[0].out == reports[1].out == reports[2].out, [r.out for r in reports]
    assert reports[0].out.count("forked chain: another record") == 2, reports[0].out
    assert heads(hub, group_id) == heads(b, group_id) == heads(c, group_id)
    # The federation still carries genuine records, and bob's next one counts.
    b.users["bob"].ok("send", "team", "after the fork")
    wait_for(lambda: all(verdicts(user, "after the fork") == [("after the fork", True, "")]
                         for user in users), what="the next record on every host")
    assert all(host.status()["rejected"] == {} for host in hosts)
