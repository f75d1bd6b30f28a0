"""A record void by a cut is no half of a fork, across three hosts (docs/relay.md "An author
forking their own chain"; the seventh pass's open item): carol's post X above her demotion's
cut, naming the state before it, sits in leaf B's file (it reached B before the demotion, as
in the race the pass saw), while her client on C signs Y at the same place again. Built
without a race: B's relay is stopped while X is filed into B's file and Y is posted, then
started. Every host must end with Y genuine, no forked chain, the same heads.

Three hosts on loopback (hub A, leaves B and C, real nats-server and relays).
"""

from __future__ import annotations

import sqlite3

import pytest

from peers_tui.core.encoding import record_hash
from peers_tui.testing.forge import Forger
from tests.cli.test_relay_attacks import three  # noqa: F401 (the fixture)
from tests.cli.test_relay_forks import heads, verdicts
from tests.relay_helpers import bodies, wait_for

pytestmark = pytest.mark.slow

Y_BODY = "Y signed as a writer again"


def test_a_post_void_by_a_cut_on_one_host_voids_no_later_post(three):  # noqa: F811
    hosts, group_id = three
    hub, b, c = hosts
    alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
    users = [alice, bob, carol]
    carol.ok("send", "team", "k: the last one the demoter saw")
    wait_for(lambda: all("k: the last one the demoter saw" in bodies(u) for u in users),
             what="carol's post everywhere")
    db = b.hub / f"{group_id}.db"
    with sqlite3.connect(db) as conn:
        [(old,)] = conn.execute("SELECT MAX(seq) FROM group_members").fetchall()
        [(author, seq, text)] = conn.execute(
            "SELECT author, author_seq, record FROM message WHERE body LIKE 'k:%'").fetchall()
    alice.ok("role", "team", "carol", "reader")  # cuts carol's chain at her post k
    alice.ok("role", "team", "carol", "writer")

    wait_for(lambda: all(_head_seq(host.hub / f"{group_id}.db") == old + 2 for host in hosts),
             what="the demotion and promotion everywhere")
    b.stop()
    # X: signed by carol's key at the place above the cut, under the state before it, in
    # B's file as if it had arrived there before the demotion.
    Forger(carol.home).message(db, group_id, "X signed before the demotion reached me",
                               aseq=seq + 1, aprev=record_hash(text), mseq=old)
    carol.ok("send", "team", Y_BODY)
    wait_for(lambda: Y_BODY in bodies(alice), what="Y on the hub")
    b.start()
    wait_for(b.link_up, what="B's link")

    def y_everywhere() -> bool:
        return all(verdicts(u, Y_BODY) == [(Y_BODY, True, "")] for u in users)

    wait_for(y_everywhere, timeout=20, what="Y genuine on every host")
    for user in users:
        report = user.run("verify", "team")
        assert "fork" not in report.out, (user.name, report.out)
    wait_for(lambda: heads(hub, group_id) == heads(b, group_id) == heads(c, group_id),
             what="the same heads")
    assert heads(hub, group_id)[2][author] == (seq + 1, record_hash(_y_text(c, group_id)))


def _head_seq(db) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT MAX(seq) FROM group_members").fetchone()[0])


def _y_text(host, group_id: str) -> str:
    with sqlite3.connect(host.hub / f"{group_id}.db") as conn:
        [(text,)] = conn.execute("SELECT record FROM message WHERE body = ?", (Y_BODY,))
        return text
