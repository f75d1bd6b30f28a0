"""A removal made on a host whose join's history walk is still under way (docs/relay.md, "The
cut over a join's walk"; issue 15).

A removal cuts the member's chain at the last record of theirs the remover had seen, walked up
from their first record (core.chains.seen_head_record). On a host that just joined, the walk
brings the history newest first, so the member's first record is not there yet: the cut was
at nothing (`[0, ""]`) and every record of theirs naming a state before the removal was void
on every host, thousands of old messages the remover had on screen among them. Now the places
below the walk's floor count as history on its way: the cut is at the newest record of theirs
the host holds, the old ones stay everywhere, and what they sign after it on a host cut off is
void everywhere.

Three hosts on loopback (hub A with alice, leaf B with bob, leaf C where carol joins as an
owner): real nats-servers, relays and `peers` processes. C's walk is held before its first
page (PEERS_RELAY_WALK_HOLD) so the removal is made mid-walk without a race.
"""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from peers_tui.core.encoding import record_hash
from tests.cli.test_relay_backfill import bodies_in, fed_messages
from tests.relay_helpers import bodies, federation, stop_all, wait_for

pytestmark = pytest.mark.slow

MESSAGES = 3_000  # three of the join's pages: its first holds bob's newest, the walk the rest


def table(path, group_id: str) -> list[tuple[str, str]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return sorted(db.execute("SELECT id, record FROM message"))


def bob_an_admin_on_b(hub, b) -> tuple:
    """alice's `team` on the hub, bob joined on B as an admin (imports are an admin's), and
    a code for an owner (who may remove an admin): (alice, bob, group id, the owner's code)."""
    alice, bob = hub.user("alice"), b.user("bob")
    group_id = alice.ok("create", "team").out.strip()
    code = alice.ok("invite", "team", "--role", "admin").out.strip()
    owner_code = alice.ok("invite", "team", "--role", "owner").out.strip()
    hub.start()
    b.start()
    wait_for(b.link_up, what="B's link")
    wait_for(lambda: bob.run("join", code).code == 0, what="bob's join")
    return alice, bob, group_id, owner_code


def carol_joins_with_the_walk_held(tmp_path, monkeypatch, c, owner_code, published: int) -> tuple:
    """C's relay started with its walk held before the first page it fetches (the file
    `hold`: removed, the walk goes on), carol joined there as an owner: (carol, hold).
    The join waits until C's relay has passed over the `published` records of the federation
    stream (no file of the group then: none kept); joined before, the pass applied them into
    the new file and the walk found them there (a CI: "the walk met bob already")."""
    hold = tmp_path / "hold-the-walk"
    hold.touch()
    monkeypatch.setenv("PEERS_RELAY_WALK_HOLD", str(hold))
    c.start()
    monkeypatch.delenv("PEERS_RELAY_WALK_HOLD")
    wait_for(c.link_up, what="C's link")
    wait_for(lambda: c.status().get("received", 0) >= published, timeout=60,
             what="C through the federation stream")
    carol = c.user("carol")
    carol.ok("join", owner_code)
    return carol, hold


def test_a_removal_mid_walk_keeps_the_history_not_yet_received(tmp_path, monkeypatch):
    hosts = federation(tmp_path, ("A", "B", "C"))
    hub, b, c = hosts
    try:
        alice, bob, group_id, owner_code = bob_an_admin_on_b(hub, b)
        start = int(time.time()) - 10 * 86_400
        history = tmp_path / "bob.jsonl"
        history.write_text("".join(json.dumps({
            "id": f"old-{i}", "author": "bob", "body": f"bob {i}", "created_at": start + i}) + "\n"
            for i in range(MESSAGES)))
        bob.ok("import", "team", str(history))
        bob.ok("send", "team", "bob newest")
        wait_for(lambda: fed_messages(hub, group_id) >= MESSAGES + 1, timeout=120,
                 what="bob's records published")
        wait_for(lambda: len(bodies_in(hub.hub / f"{group_id}.db", group_id)) == MESSAGES + 1,
                 timeout=120, what="bob's records on the hub")
        b.stop()  # B is cut off from here on: it does not hear of the removal

        carol, hold = carol_joins_with_the_walk_held(tmp_path, monkeypatch, c, owner_code,
                                                     MESSAGES + 1)
        here = bodies_in(c.hub / f"{group_id}.db", group_id)
        assert "bob newest" in here and "bob 0" not in here, "not mid-walk"
        # On C, mid-walk: bob's first record is not here yet. The hub's answer can come late
        # under load (it takes out what the removal voids before answering): then it arrives.
        removed = carol.run("remove", "team", "bob")
        assert removed.code == 0 or "no answer from the hub" in removed.err, removed.err
        wait_for(lambda: "bob" not in [m.get("handle") for m in carol.ok(
            "members", "team", "--json").json()], timeout=30, what="the removal on C")

        bob.ok("send", "team", "bob after")  # on B, cut off: names the state before the removal
        with sqlite3.connect(b.hub / f"{group_id}.db") as db:
            after = record_hash(db.execute(
                "SELECT record FROM message WHERE body = 'bob after'").fetchone()[0])
        hold.unlink()
        b.start()
        wait_for(lambda: "earlier history not yet received" not in carol.ok(
            "log", "team", "--limit", "5").err, timeout=120, what="C's walk done")
        kept = [f"bob {i}" for i in range(MESSAGES)] + ["bob newest"]
        users = [alice, bob, carol]
        wait_for(lambda: all("bob after" not in bodies(u) and len(bodies(u)) == len(kept)
                             for u in users), timeout=60,
                 what="bob's old messages on every host and his post after the removal on none")
        assert all(sorted(bodies(u)) == sorted(kept) for u in users)
        paths = [host.hub / f"{group_id}.db" for host in hosts]
        wait_for(lambda: table(paths[0], group_id) == table(paths[1], group_id)
                 == table(paths[2], group_id), timeout=30, what="one message table on every host")
        # Taken out on B, where it was written before the removal arrived, and kept there.
        rejected = {str(item["hash"]): str(item["reason"])
                    for item in b.peers().ok("relay", "rejected", "--json").json()}
        assert rejected.get(after, "").startswith("beyond where membership change"), rejected
        logs = [u.ok("log", "team", "--limit", "100000").out for u in (alice, carol)]
        assert logs[0] == logs[1]
        reports = [u.run("verify", "team") for u in (alice, carol)]
        assert reports[0].out == reports[1].out and {r.code for r in reports} == {0}, \
            [r.out for r in reports]
    finally:
        stop_all(hosts)
