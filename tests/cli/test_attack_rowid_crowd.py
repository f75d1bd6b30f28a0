"""Junk just below the rowids the attack pass on new rules moves down (own_place.HIGH,
2**62): one row at 2**62-1 written with sqlite3 into a host's message table (the ninth attack
pass, docs/relay.md). The next message stored there (a `peers send`, or a record the relay
applies from another host) goes in at 2**62, where `own_place.lower_high_rows` "moved" it to
its own rowid and copied its search entry onto itself: "constraint failed" in every later
write of the full path (an invite, an edit, a reaction, the app's composer) and in every scan
of that host's relay, which then published nothing of the group again. Rows already just
above the others are where they belong now: nothing moves them.

The CLI cases run on one hub; the relay case on three hosts (hub A, leaves B and C: real
nats-servers and relays), the junk written straight into B's file."""

from __future__ import annotations

import sqlite3

import pytest

from peers_tui.core.encoding import record_hash
from tests.cli.test_relay_ends_third_round import failures, three  # noqa: F401 (the fixture)
from tests.cli.test_relay_forks import heads
from tests.core.test_bad_signature_place import BadSigner
from tests.relay_helpers import bodies, wait_for

HIGH = 2 ** 62


def junk_below_high(db, group_id, signer) -> None:
    BadSigner(signer.home).message(db, group_id, "junk below high", aseq=99, aprev="x")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE message SET rowid = ? WHERE body = 'junk below high'", (HIGH - 1,))


def test_writes_after_a_message_at_the_first_high_rowid_go_through(alice, bob, team):
    db = alice.hub / f"{team}.db"
    junk_below_high(db, team, bob)
    bob.ok("send", "team", "bob 1")  # stored at 2**62
    code = alice.ok("invite", "team").out.strip()
    assert code.startswith("peers1:")
    [message] = [m for m in bob.ok("log", "team", "--json").json() if m["body"] == "bob 1"]
    bob.ok("edit", "team", message["id"], "bob 1, edited")
    bob.ok("react", "team", message["id"], "🎉")
    bob.ok("send", "team", "bob 2")
    assert [hit for hit in bob.ok("search", "team", "bob").lines
            if "bob" in hit and "junk" not in hit]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT rowid FROM message WHERE body = 'bob 1'").fetchone()[0] == HIGH


@pytest.mark.slow
def test_a_leaf_with_junk_below_the_high_rowids_publishes_on(three):  # noqa: F811
    (hub, b, c), (alice, bob, carol), group_id = three
    db = b.hub / f"{group_id}.db"
    junk_below_high(db, group_id, bob)
    wait_for(lambda: b.status().get("rejected") == {"B": 1}, what="B's scan of the junk")
    carol.ok("send", "team", "from carol")  # applied on B at 2**62
    wait_for(lambda: "from carol" in bodies(bob), what="carol's message on B")
    # B's relay moved its positions past the row it applied at 2**62 (LocalScanner.
    # note_applied), so it does not keep carol's record in `known` (before: every record
    # applied in such a file stayed there, and the file was scanned again after each batch).
    with sqlite3.connect(db) as conn:
        [(text,)] = conn.execute("SELECT record FROM message WHERE body = 'from carol'")
    with sqlite3.connect(b.hub / ".relay" / "relay.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM known WHERE hash = ?",
                            (record_hash(text),)).fetchone() == (0,)
    sent = ["bob 2", "bob 3"]
    for body in sent:
        done = bob.spawn("send", "team", body)
        assert done.code == 0, done.err
    expected = ["first", "from carol", *sent]
    wait_for(lambda: bodies(alice) == bodies(carol) == expected, timeout=20,
             what="bob's sends on A and C")
    assert alice.spawn("invite", "team").code == 0
    assert heads(hub, group_id) == heads(b, group_id) == heads(c, group_id)
    wait_for(lambda: b.status()["unsent"] == 0, what="B's status: nothing unsent")
    assert failures(alice) == failures(carol) == (0, [])
