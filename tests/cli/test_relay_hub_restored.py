"""The hub's file of a group put back to an older copy while every relay runs (docs/relay.md,
"Thirteenth acceptance pass"; issue 15).

A backup restored into the hub's file (SQLite's backup API, what `sqlite3 FILE ".restore
BACKUP"` does: the same file, every connection sees it at once) lacks what came after the
backup: here an invite alice made and fay's join with it. The hub's relay counts the file
against its stream (relay/census.py) and fetches back what is missing, membership first, then
invites, then messages (relay/refetch.py). fay's join came back before the invite it names
(which in turn waits for alice's `a2`, a message, before it): at the hub a join naming an
unknown invite is refused, not held (join_invites.refuse_unknown_invites, meant for a leaf's
join that was never ordered), so a genuine join of the federation's one membership order was
quarantined at the hub ("join names an unknown invite"). From then on the group was
wedged: the hub held every later record of every host waiting for that change (108 in the
pass), the leaves no longer got each other's messages, and every membership change was refused
("another membership change reached the hub first"), until `peers relay refetch` by hand and
a new record from a leaf.

Hub A (alice, fay) and leaf B (bob) on loopback: real nats-servers, relays and `peers`
processes.
"""

from __future__ import annotations

import sqlite3

import pytest

from tests.relay_helpers import bodies, federation, stop_all, team_joined_on_two_hosts, wait_for

pytestmark = pytest.mark.slow


def members(path) -> list[int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return [row[0] for row in db.execute("SELECT seq FROM group_members ORDER BY seq")]


def test_a_hub_file_put_back_to_a_backup_fetches_its_joins_back_and_goes_on(tmp_path):
    hosts = federation(tmp_path, ("A", "B"))
    hub, leaf = hosts
    try:
        alice, bob = team_joined_on_two_hosts(hub, leaf)
        fay = hub.user("fay")
        group_id = next(g["id"] for g in alice.ok("groups", "--json").json() if g["name"] == "team")
        alice.ok("send", "team", "a1")
        wait_for(lambda: "a1" in bodies(bob), timeout=30, what="a1 on B")
        mine, theirs = hub.hub / f"{group_id}.db", leaf.hub / f"{group_id}.db"
        backup = tmp_path / "backup.db"
        with sqlite3.connect(mine) as source, sqlite3.connect(backup) as copy:
            source.backup(copy)  # the hub's backup of the group's file
        before = members(mine)

        alice.ok("send", "team", "a2")  # alice's chain goes on past the backup: her invite
        fay.ok("join", alice.ok("invite", "team").out.strip())  # ... names a2; fay's join it
        fay.ok("send", "team", "f1")
        bob.ok("send", "team", "b1")
        wait_for(lambda: {"f1", "b1"} <= set(bodies(bob)) and {"f1", "b1"} <= set(bodies(alice)),
                 timeout=30, what="f1 and b1 on both hosts")
        wait_for(lambda: members(mine) == members(theirs), what="fay's join on B")
        assert len(members(mine)) == len(before) + 1

        with sqlite3.connect(backup) as copy, sqlite3.connect(mine) as live:
            copy.backup(live)  # restored while the relays run: fay's invite and join gone
        assert members(mine) == before

        wait_for(lambda: members(mine) == members(theirs), timeout=30,
                 what="fay's join fetched back into the hub's file")
        bob.ok("send", "team", "b2")  # the group goes on: a leaf's record reaches the hub
        fay.ok("send", "team", "f2")
        expected = {"a1", "a2", "f1", "b1", "b2", "f2"}
        wait_for(lambda: expected <= set(bodies(alice)) and expected <= set(bodies(bob)),
                 timeout=30, what="b2 and f2 on both hosts")
        wait_for(lambda: hub.status()["waiting"] == 0, what="nothing waiting at the hub")
        assert hub.status()["rejected"] == {}  # fay's genuine join refused nowhere
        alice.ok("role", "team", "bob", "admin")  # the membership order goes on
        wait_for(lambda: members(mine) == members(theirs) and len(members(mine)) == len(before) + 2,
                 timeout=30, what="alice's change on both hosts")
    finally:
        stop_all(hosts)
