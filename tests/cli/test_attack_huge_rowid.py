"""Junk at the largest rowid SQLite allows (2**63-1) in a host's message table (the attack
pass on "Junk at your own next place", docs/relay.md). The relay's scanner finds new rows by
rowid (relay/local.py); once it has scanned a row there its position is the largest rowid
there is, and a writer has no rowid above it to store at: before, bob's record went in
below the position (SQLite's choice once the junk was set aside) and never left B, while
`relay status` said nothing was unsent. Junk at that rowid anywhere did the same to every
later write: SQLite then picks rowids at random.

Three hosts on loopback (hub A, leaves B and C: real nats-servers and relays); the junk is
written straight into B's file with sqlite3; bob's sends are real `peers` processes."""

from __future__ import annotations

import sqlite3

import pytest

from tests.cli.test_relay_ends_third_round import failures, three  # noqa: F401 (the fixture)
from tests.cli.test_relay_forks import heads
from tests.core.test_bad_signature_place import BadSigner
from tests.relay_helpers import bodies, wait_for

pytestmark = pytest.mark.slow

HIGHEST = 2 ** 63 - 1


def junk_at_highest_rowid(db, group_id, signer, aseq: int) -> None:
    BadSigner(signer.home).message(db, group_id, "junk at the highest rowid", aseq=aseq,
                                   aprev="x")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE message SET rowid = ? WHERE body = 'junk at the highest rowid'",
                     (HIGHEST,))


@pytest.mark.parametrize("place", ["bob's next place", "another place"])
def test_junk_at_the_highest_rowid_a_relay_scanned_stops_nothing(three, place):  # noqa: F811
    (hub, b, c), (alice, bob, carol), group_id = three
    db = b.hub / f"{group_id}.db"
    junk_at_highest_rowid(db, group_id, bob, 2 if place == "bob's next place" else 99)
    wait_for(lambda: b.status().get("rejected") == {"B": 1}, what="B's scan of the junk")
    sent = ["bob 2", "bob 3", "bob 4"]
    for body in sent:
        done = bob.spawn("send", "team", body)
        assert done.code == 0, done.err
    wait_for(lambda: bodies(alice) == bodies(carol) == ["first", *sent], timeout=20,
             what="bob's sends on A and C")
    assert heads(hub, group_id) == heads(b, group_id) == heads(c, group_id)
    wait_for(lambda: b.status()["unsent"] == 0, what="B's status: nothing unsent")
    assert failures(alice) == failures(carol) == (0, [])


def invite_keys(db) -> list[str]:
    with sqlite3.connect(db) as conn:
        return sorted(str(key) for (key,) in conn.execute(
            "SELECT key FROM invite WHERE key != 'junk'"))


def test_junk_at_the_highest_invite_id_a_relay_scanned_stops_no_invite(three):  # noqa: F811
    """The same for the invite table (its id is its rowid, the scanner's invite position):
    alice's invites on the hub, after junk there that the hub's relay scanned, reach B and C."""
    (hub, b, c), (alice, bob, carol), group_id = three
    db = hub.hub / f"{group_id}.db"
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO invite (id, key, kind, record, sig, author, author_seq)"
                     " VALUES (?, 'junk', 'invite', 'junk', X'00', 'nobody', 1)", (HIGHEST,))
    wait_for(lambda: hub.status().get("rejected") == {"A": 1}, what="A's scan of the junk")
    for _ in range(2):
        assert alice.spawn("invite", "team").code == 0
    wait_for(lambda: len(invite_keys(b.hub / f"{group_id}.db")) == len(invite_keys(db)) == len(
        invite_keys(c.hub / f"{group_id}.db")) >= 2, timeout=20, what="alice's invites on B and C")
    # the status file is written a moment after the send (a fresh-clone CI read it first)
    wait_for(lambda: hub.status()["unsent"] == 0, what="A's status: nothing unsent")


def test_junk_at_the_highest_evidence_id_hides_no_later_junk_from_relay_rejected(
        three):  # noqa: F811
    """fork_evidence's id is the position the relay's scan lists junk set aside there from
    (`relay rejected`): junk at its highest id, once scanned, kept every junk row stored there
    after it (at a random id below) from ever being listed."""
    (hub, b, c), (alice, bob, carol), group_id = three
    db = b.hub / f"{group_id}.db"
    insert = ("INSERT INTO fork_evidence (id, author, author_seq, kind, record, sig)"
              " VALUES (?, 'nobody', ?, 'msg', ?, X'00')")
    with sqlite3.connect(db) as conn:
        conn.execute(insert, (HIGHEST, 1, "junk one"))
    wait_for(lambda: b.status().get("rejected") == {"B": 1}, what="B's scan of the junk")
    with sqlite3.connect(db) as conn:
        conn.execute(insert, (None, 2, "junk two"))
    assert bob.spawn("send", "team", "bob 2").code == 0  # B's relay scans the file again
    wait_for(lambda: bodies(alice) == bodies(carol) == ["first", "bob 2"], timeout=20,
             what="bob 2 on A and C")
    wait_for(lambda: b.status().get("rejected") == {"B": 2}, what="the second junk row listed")
