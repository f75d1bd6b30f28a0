"""Junk written into a *receiving* host's file at the place where a genuine record of another
host will land (docs/relay.md, "Junk where a record arrives"). A row that does not verify as
its author's record holds no place in their chain (README rule 2, chain_rules.own_record):
not for the readers (tests/core/test_bad_signature_place.py) and not for the relay deciding
about an arriving record either. Before, C's relay took such a row for the place's holder:
bob's genuine record was kept on C as evidence of a fork, not as a message, so C's log and
heads differed from every other host's.

Three hosts on loopback (hub A, leaves B and C: real nats-server and relays); the junk is
written straight into C's file with sqlite3, signed where it is signed with keys the test
holds (an attacker with write access to C's file, and bob's key for the rows only he could
sign)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from peers_tui.core.chain_rules import SIGNED_TIMES
from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.testing.forge import Forger
from tests.cli.test_acceptance_third_pass import rejected
from tests.cli.test_relay_ends_third_round import failures, three  # noqa: F401 (the fixture)
from tests.cli.test_relay_forks import heads
from tests.conftest import User
from tests.core.test_bad_signature_place import BadSigner
from tests.relay_helpers import bodies, wait_for

pytestmark = pytest.mark.slow

# The reason `peers verify` gives on C for the junk row at each of bob's places 2 to 7.
JUNK = {2: "bad signature", 3: "signed by another key", 4: "record belongs to another group",
        5: "record is not valid JSON", 6: "signing time out of range", 7: "bad signature"}


def write_junk(db: Path, group_id: str, bob: User, carol: User) -> None:
    """At each of bob's places 2 to 7 of C's file, a row that is not his record there."""
    bob_id = Forger(bob.home).user_id
    BadSigner(bob.home).message(db, group_id, "junk: signed badly", aseq=2, aprev="x")
    Forger(carol.home).message(db, group_id, "junk: carol's", aseq=3, aprev="x",
                               columns={"author": bob_id})
    elsewhere = bob.ok("create", "elsewhere").out.strip()
    Forger(bob.home).message(db, elsewhere, "junk: elsewhere", aseq=4, aprev="x", mseq=0)
    Forger(bob.home).message(db, group_id, "junk: far future", aseq=6, aprev="x",
                             t=SIGNED_TIMES[1] + 1)
    BadSigner(bob.home).invite(db, group_id, aseq=7, aprev="x")
    with sqlite3.connect(db) as conn:  # last: the forger reads the chain's head
        conn.execute("INSERT INTO message (id, author, author_seq, kind, created_at, body,"
                     " record, sig) VALUES (?,?,?,?,?,?,?,?)",
                     (ulid_text(new_ulid(1)), bob_id, 5, "text", 1, "junk: garbage",
                      b"\x00\xff not json", b"\x01"))


def test_junk_at_a_place_where_a_genuine_record_arrives_holds_no_place(three):  # noqa: F811
    (hub, b, c), (alice, bob, carol), group_id = three
    write_junk(c.hub / f"{group_id}.db", group_id, bob, carol)
    # C's relay finds the rows and refuses them (written into its file): they never travel.
    wait_for(lambda: c.status().get("rejected") == {"C": len(JUNK)}, what="C's refusals")
    sent = [f"bob {place}" for place in JUNK]
    for body in sent:
        bob.ok("send", "team", body)
    sent.append("bob after them")
    bob.ok("send", "team", sent[-1])
    expected = ["first", *sent]
    wait_for(lambda: bodies(alice) == expected and bodies(carol) == expected, timeout=20,
             what="bob's records on A and C, as on B")
    assert bodies(bob) == expected
    # Every record genuine on C as on A and B; nothing waits, nothing of B's is refused.
    logs = [user.ok("log", "team", "--json").json() for user in (alice, bob, carol)]
    assert all(m["verified"] for log in logs for m in log), logs
    for host in (hub, b, c):
        assert host.status()["waiting"] == 0, host.name
    assert hub.status()["rejected"] == {} and b.status()["rejected"] == {}
    assert all(row["reason"].startswith("written into this host's file")
               for row in rejected(c)), rejected(c)
    assert heads(hub, group_id) == heads(b, group_id) == heads(c, group_id)
    # verify: A and B clean; C names its junk rows (kept, not deleted), one line each,
    # and nothing else: no fork, no gap, no record of anyone's failing.
    assert failures(alice) == failures(bob) == (0, [])
    code, failed = failures(carol)
    assert code == 1 and len(failed) == len(JUNK), failed
    assert all(any(reason in line for line in failed) for reason in JUNK.values()), failed
    # The message rows were in the way of bob's records: set aside, the invite row stays.
    assert sum("(set aside: holds no place)" in line for line in failed) == 5, failed
    [invite] = [line for line in failed if "set aside" not in line]
    assert ": invite " in invite and invite.endswith(": bad signature"), invite


def test_junk_at_the_place_in_the_hubs_own_file_holds_no_place_either(three):  # noqa: F811
    """The same at the hub, which applies bob's record before it carries it on to C."""
    (hub, b, c), (alice, bob, carol), group_id = three
    BadSigner(bob.home).message(hub.hub / f"{group_id}.db", group_id, "junk", aseq=2, aprev="x")
    wait_for(lambda: hub.status().get("rejected") == {"A": 1}, what="A's refusal")
    bob.ok("send", "team", "bob 2")
    expected = ["first", "bob 2"]
    wait_for(lambda: bodies(alice) == expected and bodies(carol) == expected, timeout=20,
             what="bob's record on A and C, as on B")
    assert all(m["verified"] for m in alice.ok("log", "team", "--json").json())
    assert heads(hub, group_id) == heads(b, group_id) == heads(c, group_id)
    assert failures(bob) == failures(carol) == (0, [])
    code, [line] = failures(alice)
    assert code == 1 and "bad signature (set aside: holds no place)" in line, line


def test_junk_set_aside_is_listed_in_relay_rejected_once(three):  # noqa: F811
    """Junk in C's fork_evidence where an arriving record sets it aside (written there while
    C's relay was down, as the apply leaves it when the record comes before the scan met the
    row), and junk in the way of bob's next record: both are refused as written into C's
    file and counted once, however the scan and the arrival fall, and not again after a
    restart. Before, junk in fork_evidence was never listed nor counted."""
    (hub, b, c), (alice, bob, carol), group_id = three
    db = c.hub / f"{group_id}.db"
    c.stop()
    BadSigner(bob.home).message(db, group_id, "junk: set aside", aseq=2, aprev="x")
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO fork_evidence (author, author_seq, kind, record, sig) SELECT"
                     " author, author_seq, 'msg', record, sig FROM message WHERE body = ?",
                     ("junk: set aside",))
        conn.execute("DELETE FROM message WHERE body = ?", ("junk: set aside",))
    BadSigner(bob.home).message(db, group_id, "junk: in the way", aseq=3, aprev="x")
    for body in ("bob 2", "bob 3"):
        bob.ok("send", "team", body)
    c.start()
    wait_for(lambda: bodies(carol) == ["first", "bob 2", "bob 3"], timeout=20,
             what="bob's records on C")

    def listed() -> list[str]:
        return sorted(str(row["reason"]) for row in rejected(c))

    wait_for(lambda: c.status().get("rejected") == {"C": 2} and len(listed()) == 2,
             what="C's two refusals")
    assert all(reason.startswith("written into this host's file: bad signature")
               for reason in listed()), listed()
    assert any(reason.endswith("(set aside: holds no place)") for reason in listed()), listed()
    c.stop()
    c.start()
    bob.ok("send", "team", "bob 4")
    wait_for(lambda: bodies(carol)[-1:] == ["bob 4"], timeout=20, what="bob 4 on C")
    assert c.status().get("rejected") == {"C": 2} and len(listed()) == 2, listed()
    assert hub.status()["rejected"] == {} and b.status()["rejected"] == {}
    code, failed = failures(carol)
    assert code == 1 and len(failed) == 2 and all("set aside" in line for line in failed), failed
