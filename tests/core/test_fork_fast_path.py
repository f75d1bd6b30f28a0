"""The crowded places found from the invites and the fork evidence alone (core.fork_candidates,
where the message table keeps one row a place) void every fork the long query finds
(core.forks): a message and an invite at one place, two invites at one place, a record kept
as fork evidence, a fork arriving while the reader has the file open; and a file whose
message table may hold two rows a place (its unique index dropped, or made partial) is
asked the long way."""

from __future__ import annotations

import json
import sqlite3

import pytest

from peers_tui.core import fork_candidates
from peers_tui.core.account import Account
from peers_tui.core.chains import crowded_here
from peers_tui.core.forks import CROWDED, CHAINED_TABLES, crowded_places
from peers_tui.core.models import Message
from peers_tui.testing.forge import Forger
from tests.conftest import User, send_all
from tests.core.test_validity import path
from tests.junk_helpers import set_aside

WINDOW = 60
BOB_MESSAGES = 20


@pytest.fixture
def group(alice: User, bob: User) -> str:
    """alice's group where bob (an admin: he may sign invites) wrote BOB_MESSAGES messages,
    places 1 to BOB_MESSAGES of his chain."""
    group_id = alice.ok("create", "team").out.strip()
    bob.ok("join", alice.ok("invite", "team", "--role", "admin").out.strip())
    send_all(bob, "team", (f"bob {n + 1}" for n in range(BOB_MESSAGES)))
    return group_id


def reader(alice: User):
    account = Account(alice.home, alice.hub)
    return account.store(account.resolve("team"))


def bob_id(alice: User, group_id: str) -> str:
    with sqlite3.connect(path(alice, group_id)) as conn:
        [(author,)] = conn.execute("SELECT author FROM message WHERE body = 'bob 1'").fetchall()
    return author


def long_way(places: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """core.forks' query itself, in the session's file."""
    rows = Message._meta.database.execute_sql(
        CROWDED, (json.dumps(sorted(places)),) * len(CHAINED_TABLES)).fetchall()
    return {(a, s) for a, s in rows}


def fast_way(places: set[tuple[str, int]]) -> set[tuple[str, int]] | None:
    """core.fork_candidates' answer in the session's file (None: the long way is taken)."""
    return fork_candidates.crowded_among(Message._meta.database.connection(), sorted(places))


def forked_bodies(store) -> dict[str, str | None]:
    return {view.body: view.problem for view in store.recent(WINDOW) if not view.verified}


def all_places(author: str) -> set[tuple[str, int]]:
    return {(author, seq) for seq in range(1, BOB_MESSAGES + 3)}


def test_a_message_and_an_invite_at_one_place_the_invite_arriving_while_the_file_is_open(alice, bob, group):
    store = reader(alice)
    author = bob_id(alice, group)
    with store.session():
        assert forked_bodies(store) == {}
        assert fast_way(all_places(author)) == set()  # the fast way is the one taken
        # Another connection (the forger's) commits an invite at the place of "bob 5".
        Forger(bob.home).invite(path(alice, group), group, aseq=5, aprev="")
        problems = forked_bodies(store)
        assert set(problems) == {"bob 5"} and "forked chain" in problems["bob 5"]
        assert crowded_here(all_places(author)) == {(author, 5)} == long_way(all_places(author))
        assert fast_way(all_places(author)) == {(author, 5)}


def test_two_invites_at_one_place_are_crowded_the_fast_way(alice, bob, group):
    store = reader(alice)
    author = bob_id(alice, group)
    place = (author, BOB_MESSAGES + 1)  # after his messages: only the two invites hold it
    for _ in range(2):
        Forger(bob.home).invite(path(alice, group), group, aseq=place[1], aprev="")
    with store.session():
        assert crowded_here(all_places(author)) == {place} == long_way(all_places(author))
        assert fast_way(all_places(author)) == {place}


def test_a_record_kept_as_fork_evidence_voids_the_message_the_fast_way(alice, bob, group):
    """The second record of place 3 is kept in fork_evidence, the message table's unique
    index is there (as on a host that received the fork): the set finds the place."""
    db = path(alice, group)
    author = bob_id(alice, group)
    with sqlite3.connect(db) as conn:
        conn.execute("DROP INDEX message_author_author_seq")
    Forger(bob.home).message(db, group, "bob 3 again", aseq=3, aprev="")
    with sqlite3.connect(db) as conn:
        set_aside(conn, "bob 3 again")
        conn.execute(fork_candidates.UNIQUE_PLACE_INDEX)  # as the file was made
    store = reader(alice)
    with store.session():
        problems = forked_bodies(store)
        assert set(problems) == {"bob 3"} and "forked chain" in problems["bob 3"]
        assert fast_way(all_places(author)) == {(author, 3)}


@pytest.mark.parametrize("index", [None, "CREATE UNIQUE INDEX message_author_author_seq"
                                         " ON message (author, author_seq) WHERE author_seq < 0"])
def test_a_file_that_may_hold_two_messages_a_place_is_asked_the_long_way(alice, bob, group,
                                                                          index):
    db = path(alice, group)
    with sqlite3.connect(db) as conn:
        conn.execute("DROP INDEX message_author_author_seq")
        if index:
            conn.execute(index)
    Forger(bob.home).message(db, group, "bob 7 again", aseq=7, aprev="")
    author = bob_id(alice, group)
    store = reader(alice)
    with store.session():
        conn = Message._meta.database.connection()
        assert not fork_candidates.one_row_a_place(conn)
        problems = forked_bodies(store)
        assert set(problems) == {"bob 7", "bob 7 again"}
        assert fast_way(all_places(author)) is None


def test_a_fork_written_in_the_readers_own_transaction_is_crowded(alice, bob, group):
    store = reader(alice)
    author = bob_id(alice, group)
    with store.session(), Message._meta.database.atomic():
        conn = Message._meta.database.connection()
        conn.execute("INSERT INTO fork_evidence (author, author_seq, kind, record, sig)"
                     " VALUES (?, 2, 'msg', '{}', x'00')", (author,))
        assert fast_way(all_places(author)) == {(author, 2)} == crowded_places(
            lambda sql, params: conn.execute(sql, params).fetchall(), all_places(author), conn)


def test_many_invites_are_asked_the_long_way(alice, bob, group):
    author = bob_id(alice, group)
    with sqlite3.connect(path(alice, group)) as conn:
        conn.executemany("INSERT INTO fork_evidence (author, author_seq, kind, record, sig)"
                         " VALUES (?, ?, 'msg', '{}', x'00')",
                         [(author, 1000 + n) for n in range(fork_candidates.FEW + 1)])
    store = reader(alice)
    with store.session():
        assert fast_way(all_places(author)) is None
        assert forked_bodies(store) == {}
