"""A removal made on a host whose join's walk has met nothing of the member yet (docs/relay.md,
"Removal during a join's walk, second round"; issue 15).

An admin on a freshly joined host must be able to remove a spammer at once. The cut is the
member's newest record as the hub holds it, asked of the hub when the change is made, and
the hub orders the change only if it holds the record the cut names; every host then judges
it from the signed change alone, as before. Before, such a removal was refused ("bob's
messages have not reached this host yet"), and a record of the member's written straight
into the remover's file above a gap (a modified client on that host) became the cut.

Three hosts on loopback (hub A with alice, leaf B with bob, leaf C where carol joins as an
owner): real nats-servers, relays and `peers` processes. bob's three posts are older than
the join's first page (alice's imports after them fill it), and C's walk is held before its
next page (PEERS_RELAY_WALK_HOLD), so C holds nothing of bob's when carol removes him.
"""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager

import pytest

from peers_tui.core.encoding import record_hash
from peers_tui.core.kinds import RecordKind
from peers_tui.relay.config import load_config
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.ordering import propose
from peers_tui.testing.forge import Forger
from tests.cli.test_relay_backfill import bodies_in, fed_messages
from tests.cli.test_relay_walk_cut import (
    bob_an_admin_on_b, carol_joins_with_the_walk_held, table,
)
from tests.relay_helpers import bodies, federation, stop_all, wait_for

pytestmark = pytest.mark.slow

LATER = 1_100  # alice's imports after bob's posts: more than the join's first page (1,000)
BOBS = ["bob 1", "bob 2", "bob 3"]


def cut_of_removal(path) -> list:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        texts = [text for (text,) in db.execute("SELECT record FROM group_members")]
    return next(data["cut"] for data in map(json.loads, texts) if data["action"] == "remove")


def bobs_head(path) -> list:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        text = db.execute("SELECT record FROM message WHERE body = 'bob 3'").fetchone()[0]
    return [json.loads(text)["aseq"], record_hash(text)]


@contextmanager
def mid_walk(tmp_path, monkeypatch):
    """The three hosts with carol joined on C, C's walk held before it met bob, B stopped."""
    hosts = federation(tmp_path, ("A", "B", "C"))
    hub, b, c = hosts
    try:
        alice, bob, group_id, owner_code = bob_an_admin_on_b(hub, b)
        for body in BOBS:
            bob.ok("send", "team", body)
        wait_for(lambda: set(BOBS) <= bodies_in(hub.hub / f"{group_id}.db", group_id),
                 timeout=60, what="bob's posts on the hub")
        start = int(time.time()) - 86_400
        history = tmp_path / "alice.jsonl"
        history.write_text("".join(json.dumps({
            "id": f"later-{i}", "author": "alice", "body": f"alice {i}",
            "created_at": start + i}) + "\n" for i in range(LATER)))
        alice.ok("import", "team", str(history))
        wait_for(lambda: fed_messages(hub, group_id) >= LATER + len(BOBS), timeout=120,
                 what="alice's imports published")
        b.stop()  # B is cut off from here on: it does not hear of the removal

        carol, hold = carol_joins_with_the_walk_held(tmp_path, monkeypatch, c, owner_code,
                                                     LATER + len(BOBS))
        here = bodies_in(c.hub / f"{group_id}.db", group_id)
        assert "alice 1099" in here and not here & set(BOBS), "the walk met bob already"
        yield hosts, group_id, hold
    finally:
        stop_all(hosts)


def removed_everywhere(hosts, group_id: str, hold) -> None:
    """carol removes bob on C mid-walk; bob posts on B, cut off; then everything meets."""
    hub, b, c = hosts
    alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
    removed = carol.run("remove", "team", "bob")
    # The hub's answer can come late under load (it takes out what the removal voids before
    # answering): then the removal arrives all the same.
    assert removed.code == 0 or "no answer from the hub" in removed.err, removed.err
    wait_for(lambda: "bob" not in [m.get("handle") for m in carol.ok(
        "members", "team", "--json").json()], timeout=30, what="the removal on C")
    # What carol had seen of bob's is what the hub held: his third post.
    assert cut_of_removal(c.hub / f"{group_id}.db") == bobs_head(hub.hub / f"{group_id}.db")

    bob.ok("send", "team", "bob after")  # on B, cut off: names the state before the removal
    hold.unlink()
    b.start()
    wait_for(lambda: "earlier history not yet received" not in carol.ok(
        "log", "team", "--limit", "5").err, timeout=120, what="C's walk done")
    kept = BOBS + [f"alice {i}" for i in range(LATER)]
    users = [alice, bob, carol]
    wait_for(lambda: all(sorted(bodies(u)) == sorted(kept) for u in users), timeout=60,
             what="bob's posts up to the hub's head on every host, his post after on none")
    paths = [host.hub / f"{group_id}.db" for host in hosts]
    wait_for(lambda: table(paths[0], group_id) == table(paths[1], group_id)
             == table(paths[2], group_id), timeout=30, what="one message table on every host")
    logs = [u.ok("log", "team", "--limit", "100000").out for u in (alice, carol)]
    assert logs[0] == logs[1]
    reports = [u.run("verify", "team") for u in (alice, carol)]
    assert reports[0].out == reports[1].out and {r.code for r in reports} == {0}, \
        [r.out for r in reports]


def test_a_member_the_walk_has_not_met_is_removed_at_the_hubs_head(tmp_path, monkeypatch):
    with mid_walk(tmp_path, monkeypatch) as (hosts, group_id, hold):
        removed_everywhere(hosts, group_id, hold)


def test_a_record_written_above_a_gap_on_the_removers_host_does_not_move_the_cut(
        tmp_path, monkeypatch):
    """bob's modified client on C (his key, C's file) files one record far up his chain
    while C's walk has met nothing of his: the cut stepped over the gap to it, so whatever
    he signed later below it under his old authority counted everywhere."""
    with mid_walk(tmp_path, monkeypatch) as (hosts, group_id, hold):
        _, b, c = hosts
        path = c.hub / f"{group_id}.db"
        mseq = Forger.membership_head(path)[0]
        bob = Forger(b.users["bob"].home)
        bob.message(path, group_id, "far up", aseq=500, aprev="x" * 52, mseq=mseq)
        # A client that took the cut there anyway (an older one, or carol's modified): the hub
        # refuses to order a change made mid-walk whose cut names a record it does not hold.
        seq, prev = Forger.membership_head(path)
        change = Forger(c.users["carol"].home).sign(RecordKind.MEMBER, group_id, {
            "seq": seq + 1, "prev": prev, "action": "remove", "member": bob.user_id,
            "cut": list(bob.chain_head(path))})
        answer = propose(load_config(c.hub), Envelope(group_id, "member", change.text,
                                                      change.sig, None, "C"),
                         headers={"Peers-Cut-Held": "1"})
        assert not answer.get("ok") and "that the hub does not hold" in answer["reason"], answer
        removed_everywhere(hosts, group_id, hold)
