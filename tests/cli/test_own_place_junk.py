"""Junk at a writer's *own* next place of their chain (docs/relay.md, "Junk at your own next
place"; core/own_place.py). A row there that is not their record (another group's record of
theirs, another key's record under their name, a bad signature, bytes that are no record)
holds no place (README rule 2); before, it made every write of theirs on that host fail for
good ("a record you did not sign holds your next place in your chain ..."), so anyone able to
write the group file could silence a member there. Now the write sets the row aside into
`fork_evidence` (kept, named by `peers verify`) and goes through.

Real group files on one hub, the junk written with sqlite3 and keys the test holds, `peers`
run as a separate process for the first write of each kind."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.testing.forge import Forger
from tests.conftest import Result, User
from tests.core.test_bad_signature_place import BadSigner

SET_ASIDE = "(set aside: holds no place)"


def write_junk(db: Path, group_id: str, victim: User, other: User, places: list[int]) -> None:
    """At the victim's places, in order: another group's record of theirs, another key's
    record under their name, a bad signature, bytes that are no record (then again)."""
    victim_id = Forger(victim.home).user_id
    elsewhere = victim.ok("create", f"elsewhere{places[0]}").out.strip()
    kinds = ["elsewhere", "other key", "bad signature", "not json"]
    for place, kind in zip(places, kinds * len(places)):
        if kind == "elsewhere":
            Forger(victim.home).message(db, elsewhere, f"junk {place}", aseq=place, aprev="x",
                                        mseq=0)
        elif kind == "other key":
            Forger(other.home).message(db, group_id, f"junk {place}", aseq=place, aprev="x",
                                       columns={"author": victim_id})
        elif kind == "bad signature":
            BadSigner(victim.home).message(db, group_id, f"junk {place}", aseq=place, aprev="x")
        else:
            with sqlite3.connect(db) as conn:
                conn.execute("INSERT INTO message (id, author, author_seq, kind, created_at,"
                             " body, record, sig) VALUES (?,?,?,?,?,?,?,?)",
                             (ulid_text(new_ulid(1)), victim_id, place, "text", 1,
                              f"junk {place}", b"\x00\xff not json", b"\x01"))


def rows_at(db: Path, author: str) -> tuple[list[tuple[int, str]], list[int]]:
    """The author's places in the message table (place, body) and in fork_evidence."""
    with sqlite3.connect(db) as conn:
        kept = conn.execute("SELECT author_seq, body FROM message WHERE author = ?"
                            " ORDER BY author_seq", (author,)).fetchall()
        aside = [seq for (seq,) in conn.execute(
            "SELECT author_seq FROM fork_evidence WHERE author = ? ORDER BY id", (author,))]
    return kept, aside


def failed_lines(user: User) -> tuple[int, list[str]]:
    verified = user.run("verify", "team")
    return verified.code, [line.strip() for line in verified.out.splitlines() if "FAILED" in line]


def test_sends_go_through_junk_at_the_next_places_which_is_set_aside_and_named(
        alice, bob, carol, team):
    """Four junk rows of four kinds at bob's places 1 to 4, the case of the sixth acceptance
    pass (his places 1-3 held another group's records): before, his first send failed."""
    db = bob.hub / f"{team}.db"
    write_junk(db, team, bob, alice, [1, 2, 3, 4])
    sent = bob.spawn("send", "team", "one")  # a real process, the lean path handing over
    assert sent.code == 0 and sent.err == "", sent.err
    for body in ("two", "three", "four", "five"):
        bob.ok("send", "team", body)
    log = bob.ok("log", "team", "--json").json()
    assert [m["body"] for m in log] == ["one", "two", "three", "four", "five"]
    assert all(m["verified"] for m in log), log
    assert [m["body"] for m in alice.ok("log", "team", "--json").json()][-1] == "five"
    kept, aside = rows_at(db, Forger(bob.home).user_id)
    assert kept == [(1, "one"), (2, "two"), (3, "three"), (4, "four"), (5, "five")]
    assert aside == [1, 2, 3, 4]
    code, failed = failed_lines(bob)
    assert code == 1 and len(failed) == 4, failed
    assert all(line.endswith(SET_ASIDE) for line in failed), failed
    for reason in ("record belongs to another group", "signed by another key", "bad signature",
                   "record is not valid JSON"):
        assert any(reason in line for line in failed), (reason, failed)
    # Nothing else: no gap in bob's chain, no fork, no record of anyone's failing.
    assert not any("missing" in line or "forked" in line for line in failed), failed


def test_edits_deletions_and_reactions_go_through_junk_at_the_next_place(
        alice, bob, team):
    """Every write of a message record takes the next place: each one meets a junk row."""
    bob.ok("send", "team", "hello")
    db = bob.hub / f"{team}.db"
    [first] = [m["id"] for m in bob.ok("log", "team", "--json").json()]
    write_junk(db, team, bob, alice, [2, 3, 4, 5])
    for args in (("edit", "team", first, "hello again"), ("react", "team", first, "👍"),
                 ("edit", "team", first, "hello once more"), ("delete", "team", first)):
        done = bob.spawn(*args)
        assert done.code == 0, (args, done.err)
    kept, aside = rows_at(db, Forger(bob.home).user_id)
    assert [seq for seq, _ in kept] == [1, 2, 3, 4, 5] and aside == [2, 3, 4, 5]
    assert not any(body.startswith("junk") for _, body in kept), kept
    [shown] = [m for m in alice.ok("log", "team", "--json").json() if m["id"] == first]
    assert shown["deleted"] and shown["verified"], shown
    code, failed = failed_lines(alice)
    assert code == 1 and len(failed) == 4 and all(SET_ASIDE in line for line in failed), failed


def test_an_invite_goes_through_junk_at_its_place_which_blocks_nothing_and_stays(
        alice, bob, carol, team):
    """An invite goes into the invite table: a junk row of the message table at its place
    does not block it, so it stays where it was written (as for an invite arriving from
    another host, relay/junk_places.py), named by verify; the message after it goes on."""
    db = alice.hub / f"{team}.db"
    alice_id = Forger(alice.home).user_id
    aseq, _ = Forger(alice.home).chain_head(db)
    BadSigner(alice.home).message(db, team, "junk at the invite's place", aseq=aseq + 1,
                                  aprev="x")
    made = alice.spawn("invite", "team")
    assert made.code == 0, made.err
    carol.ok("join", made.out.strip())
    alice.ok("send", "team", "after the invite")
    kept, aside = rows_at(db, alice_id)
    assert (aseq + 1, "junk at the invite's place") in kept and aside == []
    assert (aseq + 2, "after the invite") in kept
    assert "carol" in carol.ok("members", "team").out
    code, failed = failed_lines(alice)
    assert code == 1 and len(failed) == 1 and failed[0].endswith(": bad signature"), failed


def test_the_new_row_is_stored_above_the_junk_row_it_replaced(alice, bob, team):
    """The junk is the top row of the message table: its rowid is not given to bob's record
    (relays find new rows by rowid: one that scanned the junk would never publish it)."""
    db = bob.hub / f"{team}.db"
    write_junk(db, team, bob, alice, [1])
    with sqlite3.connect(db) as conn:
        [(junk_rowid,)] = conn.execute("SELECT MAX(rowid) FROM message")
    bob.ok("send", "team", "one")
    with sqlite3.connect(db) as conn:
        [(rowid,)] = conn.execute("SELECT rowid FROM message WHERE body = 'one'")
        assert conn.execute("SELECT COUNT(*) FROM message WHERE rowid = ?",
                            (junk_rowid,)).fetchone() == (0,)
    assert rowid == junk_rowid + 1


def test_a_genuine_record_of_the_writer_is_never_set_aside(alice, bob, team):
    """The rule is about junk: a record bob signed himself (his modified client wrote it
    straight into the file, its body column altered) is his head, and his next send goes
    after it; nothing is moved (as before)."""
    db = bob.hub / f"{team}.db"
    bob.ok("send", "team", "one")
    Forger(bob.home).message(db, team, "his own", columns={"body": "altered column"})
    bob.ok("send", "team", "three")
    kept, aside = rows_at(db, Forger(bob.home).user_id)
    assert kept == [(1, "one"), (2, "altered column"), (3, "three")] and aside == []


def test_an_import_goes_through_junk_at_its_places_which_is_set_aside_below_it(
        tmp_path, alice, team):
    """An import takes the admin's next places, one a line: junk at any of them was a
    UNIQUE constraint error that stopped every import. Set aside, the imported rows stored
    above every row the table held (the junk was its top row)."""
    db = alice.hub / f"{team}.db"
    alice.ok("send", "team", "hello")
    aseq, _ = Forger(alice.home).chain_head(db)
    write_junk(db, team, alice, bob_like(tmp_path), [aseq + 2, aseq + 3])
    with sqlite3.connect(db) as conn:
        [(top,)] = conn.execute("SELECT MAX(rowid) FROM message")
    done = import_three_old(tmp_path, alice)
    assert done.code == 0, done.err
    kept, aside = rows_at(db, Forger(alice.home).user_id)
    assert [body for _, body in kept][-3:] == ["old 0", "old 1", "old 2"]
    assert aside == [aseq + 2, aseq + 3]
    with sqlite3.connect(db) as conn:
        assert [rowid for (rowid,) in conn.execute(
            "SELECT rowid FROM message WHERE kind = 'imported' ORDER BY rowid")] == [
            top + 1, top + 2, top + 3]
    assert all(m["verified"] for m in alice.ok("log", "team", "--json").json())
    code, failed = failed_lines(alice)
    assert code == 1 and len(failed) == 2 and all(SET_ASIDE in line for line in failed), failed


def bob_like(tmp_path: Path) -> User:
    """Someone with a key of their own (the other key whose record is put under a name)."""
    from peers_tui.core.identity import load_or_create_keypair

    home = tmp_path / "stranger"
    home.mkdir()
    load_or_create_keypair(home)
    return User("stranger", home, tmp_path / "hub")


def import_three_old(tmp_path: Path, user: User) -> Result:
    """`peers import` (a real process) of three lines, old0-old2, into the user's 'team'."""
    import json

    lines = "\n".join(json.dumps({"id": f"old{i}", "author": "someone", "body": f"old {i}",
                                  "created_at": f"2020-01-0{i + 1}T00:00:00Z"}) for i in range(3))
    (tmp_path / "old.jsonl").write_text(lines)
    return user.spawn("import", "team", str(tmp_path / "old.jsonl"))
