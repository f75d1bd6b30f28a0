"""A write never signs at a place of its author's chain that their personal.db pins (README
rule 9; core/chain_rules.build_on). Anyone able to write one host's group file could delete
(or alter) a member's newest record there; the member's next write then signed a second
record at that place, a fork of their own chain (rule 2), and every host, the ones holding
the original too, voided both: one touched file deleted a member's message everywhere. Now
the next record follows the pin, so wherever the original is held the chain is whole.

Real group files on one hub, `peers` run in this process or as a separate one, the tampering
done with sqlite3. A file holding the original again stands for another host that kept it.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from peers_tui.core.chain_rules import own_record
from peers_tui.core.encoding import record_hash
from peers_tui.core.lean_post import LeanSend
from peers_tui.testing.forge import Forger
from tests.conftest import User
from tests.core.test_validity import admin_bob  # noqa: F401 (a fixture)


def signed_places(db: Path, group_id: str, author: str) -> dict[int, set[str]]:
    """Every place of `author`'s chain a record they signed for it holds in the file (the
    three tables that keep chained records) -> the texts of those records."""
    places: dict[int, set[str]] = {}
    with sqlite3.connect(db) as conn:
        for table in ("message", "invite", "fork_evidence"):
            for seq, text, sig in conn.execute(
                    f"SELECT author_seq, record, CAST(sig AS BLOB) FROM {table} WHERE author = ?",
                    (author,)):
                text = text.decode() if isinstance(text, bytes) else text
                if own_record(author, seq, text, sig, group_id) is not None:
                    places.setdefault(seq, set()).add(text)
    return places


def deleted_keeping_a_copy(db: Path, body: str) -> Path:
    """The attack: the row of `body` deleted from the file; a copy of the file from before,
    for `put_back`."""
    copy = db.parent / "copy.db"
    shutil.copy(db, copy)
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM message WHERE body = ?", (body,))
    return copy


def put_back(db: Path, copy: Path, body: str) -> None:
    """The original row of `body` back in the file (what another host still holds), in place
    of whatever the attacker left of it."""
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM message WHERE body = ?", (body,))
        conn.execute("DELETE FROM fork_evidence WHERE record LIKE ?", (f'%"body":"{body}"%',))
        conn.execute("ATTACH ? AS o", (str(copy),))
        conn.execute("INSERT INTO message SELECT * FROM o.message WHERE body = ?", (body,))


def assert_whole(user: User, others: list[User], db: Path, group_id: str,
                 bodies: list[str]) -> None:
    """One record a place of `user`'s chain, each following the one before; with the original
    back, every reader verifies the group clean and shows every message genuine."""
    author = Forger(user.home).user_id
    places = signed_places(db, group_id, author)
    assert all(len(texts) == 1 for texts in places.values()), places  # no fork
    previous = ""
    for seq in sorted(places):
        data = json.loads(next(iter(places[seq])))
        assert data["aprev"] == previous, (seq, data)
        previous = record_hash(next(iter(places[seq])))
    for reader in [user, *others]:
        verified = reader.run("verify", "team")
        assert verified.code == 0, verified.out + verified.err
        log = reader.ok("log", "team", "--json").json()
        mine = [m for m in log if m["author_id"] == author]
        assert [m["body"] for m in mine] == bodies and all(m["verified"] for m in mine), log


def test_a_send_after_its_pinned_head_was_deleted_follows_the_pin(alice, bob, team):
    """The hand-found attack: bob's newest message deleted from the file, bob sends (a real
    `peers send` process). Before, 'three' took place 2, the place of 'two': a fork. Now the
    copy of 'two' bob's personal.db keeps goes back first (core/own_copy.py, the ninth attack
    pass): the file is whole again, and 'three' follows it."""
    db = bob.hub / f"{team}.db"
    bob.ok("send", "team", "one")
    bob.ok("send", "team", "two")
    copy = deleted_keeping_a_copy(db, "two")
    sent = bob.spawn("send", "team", "three")
    assert sent.code == 0 and sent.err == "", sent.err
    assert sorted(signed_places(db, team, Forger(bob.home).user_id)) == [1, 2, 3]
    assert_whole(bob, [alice], db, team, ["one", "two", "three"])
    bob.ok("send", "team", "four")  # goes on from 'three'
    put_back(db, copy, "two")  # (the very same row: another host's copy changes nothing)
    assert_whole(bob, [alice], db, team, ["one", "two", "three", "four"])


def test_a_write_after_its_pinned_head_was_altered_leaves_it_and_follows_the_pin(
        alice, bob, team):
    """'two' given a bad signature: it holds no place, and before, bob's next record took
    place 2 (the altered row set aside as junk at his next place). Now the altered row is set
    aside as junk at the place of 'two', named by `peers verify`, 'two' goes back from the
    copy bob's personal.db keeps, and the edit, reaction and send follow it."""
    db = bob.hub / f"{team}.db"
    bob.ok("send", "team", "one")
    two = bob.ok("send", "team", "two").out.strip()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE message SET sig = x'00' || substr(sig, 2) WHERE body = 'two'")
    one = bob.ok("log", "team", "--json").json()[0]["id"]
    bob.ok("edit", "team", one, "one, edited")
    bob.ok("react", "team", one, "👍")
    sent = bob.spawn("send", "team", "three")
    assert sent.code == 0 and sent.err == "", sent.err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT author_seq FROM message WHERE id = ?", (two,)).fetchone() == (2,)
        assert conn.execute("SELECT COUNT(*) FROM fork_evidence").fetchone() == (1,)
    assert sorted(signed_places(db, team, Forger(bob.home).user_id)) == [1, 2, 3, 4, 5]
    verified = bob.run("verify", "team")
    assert verified.code == 1 and "(set aside: holds no place)" in verified.out, verified.out
    assert not [line for line in verified.out.splitlines()
                if "FAILED" in line and "set aside" not in line], verified.out
    log = bob.ok("log", "team", "--json").json()
    assert [m["body"] for m in log if m["author_id"] == Forger(bob.home).user_id] == [
        "one, edited", "two", "three"] and all(m["verified"] for m in log)


def test_an_invite_after_its_makers_pinned_head_was_deleted_follows_the_pin(alice, bob, team):
    """Invites are links of the same chain (membership_log.create_invite)."""
    db = alice.hub / f"{team}.db"
    alice.ok("send", "team", "hello")
    copy = deleted_keeping_a_copy(db, "hello")
    alice.ok("invite", "team")
    author = Forger(alice.home).user_id
    places = signed_places(db, team, author)
    assert all(len(texts) == 1 for texts in places.values()), places
    put_back(db, copy, "hello")
    assert_whole(alice, [bob], db, team, ["hello"])


def test_the_lean_send_hands_a_lost_pinned_head_over(alice, bob, team):
    """`peers send`'s fast path (core.lean_post) does not write after a pinned record the file
    lost: it hands the send over to the full path, which puts the kept copy back first."""
    db = bob.hub / f"{team}.db"
    bob.ok("send", "team", "one")
    deleted_keeping_a_copy(db, "one")
    with LeanSend(str(bob.home), str(bob.hub)) as lean:
        assert lean.send("team", "two") is None  # handed over, nothing written
    assert sorted(signed_places(db, team, Forger(bob.home).user_id)) == []
    bob.ok("send", "team", "two")
    assert sorted(signed_places(db, team, Forger(bob.home).user_id)) == [1, 2]
    assert_whole(bob, [alice], db, team, ["one", "two"])


def test_an_import_after_its_pinned_head_was_deleted_follows_the_pin(alice, bob, team):
    db = alice.hub / f"{team}.db"
    alice.ok("send", "team", "hello")
    copy = deleted_keeping_a_copy(db, "hello")
    line = json.dumps({"id": "x1", "author": "old", "body": "imported",
                       "created_at": "2020-01-01T00:00:00Z"})
    alice.ok("import", "team", "-", stdin=line + "\n")
    put_back(db, copy, "hello")
    assert_whole(alice, [bob], db, team, ["imported", "hello"])  # by time


def test_a_damaged_pin_is_no_pin(bob, team):
    """personal.db is the user's own; damaged there, a pin counts as none: the send follows
    the file's head, one line of output and no traceback whatever the damage."""
    db = bob.hub / f"{team}.db"
    me = Forger(bob.home).user_id
    for n, damage in enumerate([{me: [9, "not a hash"]}, {me: "x"}, {me: [-4, "0" * 64]},
                                {me: [2 ** 70, "0" * 64]}, {me: [True, None]}, "[", "null"]):
        with sqlite3.connect(bob.home / "personal.db") as conn:
            conn.execute("UPDATE groups SET author_heads = ? WHERE id = ?",
                         (damage if isinstance(damage, str) else json.dumps(damage), team))
        sent = bob.spawn("send", "team", f"m{n}")
        assert sent.code == 0 and "Traceback" not in sent.err, sent.err
        assert sorted(signed_places(db, team, me)) == list(range(1, n + 2))
    assert bob.run("verify", "team").code == 0


def test_a_pin_a_cut_made_void_comes_down_before_the_write(alice, bob, admin_bob):
    """bob's record 2, signed on a host cut off from his demotion (void: beyond the cut at
    his record 1, naming the state before it), pinned by his own write there; B's relay then
    takes it out of the file. His next write follows the cut's record, not the void pin (as
    `void_pins`): built on the void record, it would name one no host holds."""
    from peers_tui.core.account import Account
    from tests.core.test_validity import path

    db = path(alice, admin_bob)
    forger = Forger(bob.home)
    before = forger.membership_head(db)
    first = forger.chain_head(db)  # bob's record 1, where the cut will be
    alice.ok("role", "team", "bob", "reader")
    alice.ok("role", "team", "bob", "writer")
    void = forger.message(db, admin_bob, "cut off", mseq=before[0])
    account = Account(bob.home, bob.hub)
    account.personal.pin_heads(admin_bob, *before, {account.user_id: forger.chain_head(db)})
    account.close()
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM message WHERE id = ?", (void,))
    sent = bob.spawn("send", "team", "after the cut")
    assert sent.code == 0 and sent.err == "", sent.err
    with sqlite3.connect(db) as conn:
        [(text,)] = conn.execute("SELECT record FROM message WHERE body = 'after the cut'")
    assert (json.loads(text)["aseq"], json.loads(text)["aprev"]) == (2, first[1])
    assert bob.run("verify", "team").code == 0


def test_a_deleted_head_goes_back_past_junk_holding_its_id(alice, bob, team):
    """The ninth attack pass: 'two' deleted and a row under its message id written in (at
    another place, under another name), so that its copy could not go back (the message
    table holds one row an id) and the send followed the pin over the gap, which the host's
    relay never sends when 'two' never left it. The junk is set aside; 'two' goes back."""
    db = bob.hub / f"{team}.db"
    bob.ok("send", "team", "one")
    two = bob.ok("send", "team", "two").out.strip()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE message SET author = 'nobody', author_seq = 7 WHERE id = ?", (two,))
    bob.ok("send", "team", "three")
    assert sorted(signed_places(db, team, Forger(bob.home).user_id)) == [1, 2, 3]
    log = bob.ok("log", "team", "--json").json()
    assert [m["body"] for m in log if m["author_id"] == Forger(bob.home).user_id] == [
        "one", "two", "three"] and all(m["verified"] for m in log), log
    verified = bob.run("verify", "team")
    assert "(set aside: holds no place)" in verified.out, verified.out
    assert not [line for line in verified.out.splitlines()
                if "FAILED" in line and "set aside" not in line], verified.out


def test_a_deleted_invite_at_the_head_goes_back_from_the_copy(alice, bob, carol, team):
    """The kept copy is of whatever record was the head: an invite goes back into the invite
    table (its code works again), and the message after it follows it."""
    db = alice.hub / f"{team}.db"
    code = alice.ok("invite", "team").out.strip()
    me = Forger(alice.home).user_id
    with sqlite3.connect(db) as conn:
        [(place,)] = conn.execute("SELECT MAX(author_seq) FROM invite WHERE author = ?", (me,))
        conn.execute("DELETE FROM invite WHERE author = ? AND author_seq = ?", (me, place))
    alice.ok("send", "team", "after the invite")
    places = signed_places(db, team, me)
    assert sorted(places) == list(range(1, place + 2)), places
    assert alice.run("verify", "team").code == 0
    carol.ok("join", code)
    assert "carol" in alice.ok("members", "team").out
