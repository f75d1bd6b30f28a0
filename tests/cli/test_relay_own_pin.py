"""A member's newest record deleted from their own host's file after it reached the others,
with relays running (README rule 9; core/chain_rules.build_on). Before, bob's next send on B
took the place of the deleted record: a fork of his chain that every host carried and voided,
the deleted message with it, on hosts that had never been touched. Now the send follows the
pin bob's personal.db holds, after the copy of the deleted record that personal.db keeps went
back into B's file (core/own_copy.py): A and C take it as genuine, and every host's chain of
bob is whole.

Three hosts on loopback (hub A, leaves B and C: real nats-servers and relays); the deletion
is done with sqlite3 in B's file; bob's sends are real `peers` processes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli.test_own_pin import signed_places
from tests.cli.test_relay_ends_third_round import failures, three  # noqa: F401 (the fixture)
from tests.cli.test_relay_forks import heads
from peers_tui.testing.forge import Forger
from tests.relay_helpers import bodies, wait_for

pytestmark = pytest.mark.slow


def second_everywhere(three) -> Path:  # noqa: F811
    """bob's 'second', sent by a real `peers send` on B, on A and C; B's group file."""
    (hub, b, c), (alice, bob, carol), group_id = three
    sent = bob.spawn("send", "team", "second")
    assert sent.code == 0, sent.err
    wait_for(lambda: "second" in bodies(alice) and "second" in bodies(carol), timeout=20,
             what="'second' on A and C")
    return b.hub / f"{group_id}.db"


def bobs_three_places_whole(three) -> None:  # noqa: F811
    """On A and C bob's chain holds one record at each of places 1-3, alice and carol verify
    everything, and A and C have the same heads."""
    (hub, b, c), (alice, bob, carol), group_id = three
    me = Forger(bob.home).user_id
    for host in (hub, c):
        places = signed_places(host.hub / f"{group_id}.db", group_id, me)
        assert {seq: len(texts) for seq, texts in places.items()} == {1: 1, 2: 1, 3: 1}
    for user in (alice, carol):
        code, failed = failures(user)
        assert code == 0 and failed == [], (user.name, failed)
        assert all(m["verified"] for m in user.ok("log", "team", "--json").json())
    assert heads(hub, group_id) == heads(c, group_id)


@pytest.mark.parametrize("top", [True, False], ids=["top row", "below others"])
def test_bobs_head_deleted_on_his_host_then_his_send_reaches_every_host_whole(
        three, top):  # noqa: F811
    (hub, b, c), (alice, bob, carol), group_id = three
    db = second_everywhere(three)
    if not top:  # carol's message stored above it on B
        carol.ok("send", "team", "from carol")
        wait_for(lambda: "from carol" in bodies(bob), what="carol's message on B")
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM message WHERE body = 'second'")
    sent = bob.spawn("send", "team", "third")
    assert sent.code == 0 and sent.err == "", sent.err
    others = ["from carol"] if not top else []
    expected = ["first", "second", *others, "third"]
    wait_for(lambda: bodies(alice) == expected and bodies(carol) == expected, timeout=20,
             what="'third' on A and C after 'second'")
    bobs_three_places_whole(three)
    # On B the copy bob's personal.db kept went back before 'third' (core/own_copy.py).
    assert failures(bob) == (0, [])
    assert sorted(signed_places(db, group_id, Forger(bob.home).user_id)) == [1, 2, 3]
    assert heads(b, group_id) == heads(hub, group_id)
    for host in (hub, b, c):
        assert host.status()["waiting"] == 0, host.name


def test_alices_head_deleted_on_the_hub_then_her_invite_reaches_every_host(three):  # noqa: F811
    """The same for an invite, on the hub's own file: its scan sends the invite that follows
    alice's pin over the gap, and B and C take it (and bob joins with it)."""
    (hub, b, c), (alice, bob, carol), group_id = three
    sent = alice.spawn("send", "team", "hello")
    assert sent.code == 0, sent.err
    wait_for(lambda: "hello" in bodies(bob) and "hello" in bodies(carol), timeout=20,
             what="'hello' on B and C")
    with sqlite3.connect(hub.hub / f"{group_id}.db") as conn:
        conn.execute("DELETE FROM message WHERE body = 'hello'")
    code = alice.ok("invite", "team").out.strip()
    key = code.rsplit(":", 1)[0]
    me = Forger(alice.home).user_id

    def arrived(host) -> bool:
        with sqlite3.connect(host.hub / f"{group_id}.db") as conn:
            return conn.execute("SELECT COUNT(*) FROM invite WHERE author = ?",
                                (me,)).fetchone()[0] == 2
    wait_for(lambda: arrived(b) and arrived(c), timeout=20, what="alice's invite on B and C")
    for host in (b, c):
        places = signed_places(host.hub / f"{group_id}.db", group_id, me)
        assert {seq: len(texts) for seq, texts in places.items()} == {1: 1, 2: 1, 3: 1}, key
    for user in (bob, carol):
        assert failures(user) == (0, []), user.name
    assert heads(b, group_id) == heads(c, group_id)
