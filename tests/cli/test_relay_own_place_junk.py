"""Junk at a member's own next place on their own host, with relays running (docs/relay.md,
"Junk at your own next place"; core/own_place.py). The sixth acceptance pass found bob's
`peers send team` on B ending in one line ("a record you did not sign holds your next place
in your chain ...") for good: his places there held another group's records. Now his sends
set the junk aside on B and go through, his records reach every host, and the junk stays on
B, named there alone.

Three hosts on loopback (hub A, leaves B and C: real nats-servers and relays); the junk is
written straight into B's file with sqlite3, signed where it is signed with keys the test
holds; bob's sends are real `peers` processes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli.test_acceptance_third_pass import rejected
from tests.cli.test_own_place_junk import rows_at, write_junk
from tests.cli.test_relay_ends_third_round import failures, three  # noqa: F401 (the fixture)
from tests.cli.test_relay_forks import heads
from tests.core.test_bad_signature_place import BadSigner
from peers_tui.testing.forge import Forger
from tests.relay_helpers import bodies, wait_for

pytestmark = pytest.mark.slow


def evidence_rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM fork_evidence").fetchone()[0])


def test_bob_sends_through_junk_at_his_places_on_his_host_and_it_never_leaves(
        three):  # noqa: F811
    (hub, b, c), (alice, bob, carol), group_id = three
    db = b.hub / f"{group_id}.db"
    write_junk(db, group_id, bob, carol, [2, 3, 4])  # another group's, carol's key, bad sig
    # B's relay finds the rows and refuses them (written into its file): they never travel.
    wait_for(lambda: b.status().get("rejected") == {"B": 3}, what="B's refusals")
    sent = ["bob 2", "bob 3", "bob 4", "bob 5"]
    for body in sent:
        done = bob.spawn("send", "team", body)
        assert done.code == 0 and done.err == "", done.err
    expected = ["first", *sent]
    assert bodies(bob) == expected
    wait_for(lambda: bodies(alice) == expected and bodies(carol) == expected, timeout=20,
             what="bob's records on A and C, as on B")
    logs = [user.ok("log", "team", "--json").json() for user in (alice, bob, carol)]
    assert all(m["verified"] for log in logs for m in log), logs
    assert heads(hub, group_id) == heads(b, group_id) == heads(c, group_id)
    for host in (hub, b, c):
        assert host.status()["waiting"] == 0, host.name
    # The junk stays on B: set aside there (named by verify and listed once by its relay),
    # nothing of it on A or C.
    kept, aside = rows_at(db, Forger(bob.home).user_id)
    assert [body for _, body in kept] == expected and aside == [2, 3, 4]
    assert evidence_rows(hub.hub / f"{group_id}.db") == evidence_rows(
        c.hub / f"{group_id}.db") == 0
    assert failures(alice) == failures(carol) == (0, [])
    code, failed = failures(bob)
    assert code == 1 and len(failed) == 3, failed
    assert all(line.endswith("(set aside: holds no place)") for line in failed), failed
    assert b.status().get("rejected") == {"B": 3} and len(rejected(b)) == 3, rejected(b)
    assert all(str(row["reason"]).startswith("written into this host's file")
               for row in rejected(b)), rejected(b)
    assert hub.status()["rejected"] == {} and c.status()["rejected"] == {}


def test_a_record_taking_the_place_of_the_top_row_a_relay_scanned_is_published(
        three):  # noqa: F811
    """The junk row is the newest row of B's message table, and B's running relay has
    scanned it (its position is that rowid). Had bob's record been given the rowid the junk
    left (SQLite's choice once the top row is gone: the table has no AUTOINCREMENT), B's
    relay would never have published it: it is stored above every row the table held."""
    (hub, b, c), (alice, bob, carol), group_id = three
    db = b.hub / f"{group_id}.db"
    BadSigner(bob.home).message(db, group_id, "junk at the top", aseq=2, aprev="x")
    with sqlite3.connect(db) as conn:
        [(top,)] = conn.execute("SELECT MAX(rowid) FROM message")
        assert conn.execute("SELECT body FROM message WHERE rowid = ?",
                            (top,)).fetchone() == ("junk at the top",)
    wait_for(lambda: b.status().get("rejected") == {"B": 1}, what="B's scan of the junk")
    done = bob.spawn("send", "team", "bob 2")
    assert done.code == 0, done.err
    wait_for(lambda: bodies(alice) == bodies(carol) == ["first", "bob 2"], timeout=20,
             what="bob 2 on A and C")
    assert heads(hub, group_id) == heads(b, group_id) == heads(c, group_id)
    # B counts it sent once the hub's stream acknowledged it, which can come to B's loaded
    # relay after A and C show it (a run beside other suites read 1 at once).
    wait_for(lambda: b.status()["unsent"] == 0, timeout=10, what="bob 2 counted sent on B")
    code, [line] = failures(bob)
    assert code == 1 and line.endswith("bad signature (set aside: holds no place)"), line
    assert failures(alice) == failures(carol) == (0, [])


def invites_held(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return sorted(str(text) for (text,) in conn.execute("SELECT record FROM invite"))


def test_an_invite_through_junk_at_its_place_reaches_every_host_and_the_junk_stays(
        three):  # noqa: F811
    """Junk of the message table at alice's next place on the hub: her invite goes into the
    invite table beside it (it blocks nothing there, and stays), travels, and her message
    after it too; only A's verify names the row."""
    (hub, b, c), (alice, bob, carol), group_id = three
    db = hub.hub / f"{group_id}.db"
    aseq, _ = Forger(alice.home).chain_head(db)
    BadSigner(alice.home).message(db, group_id, "junk at the invite's place", aseq=aseq + 1,
                                  aprev="x")
    made = alice.spawn("invite", "team")
    assert made.code == 0, made.err
    done = alice.spawn("send", "team", "after the invite")
    assert done.code == 0, done.err
    wait_for(lambda: bodies(bob)[-1:] == bodies(carol)[-1:] == ["after the invite"],
             timeout=20, what="alice's message on B and C")
    assert invites_held(db) == invites_held(b.hub / f"{group_id}.db") == invites_held(
        c.hub / f"{group_id}.db")
    assert heads(hub, group_id) == heads(b, group_id) == heads(c, group_id)
    assert failures(bob) == failures(carol) == (0, [])
    code, [line] = failures(alice)
    assert code == 1 and line.endswith(": bad signature"), line
    assert b.status()["rejected"] == {} and c.status()["rejected"] == {}
