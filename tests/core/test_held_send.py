"""The TUI's send on a held connection (core.held_send, issue 16 figure 13): the message is
checked and written on plain sqlite3 in one IMMEDIATE transaction, and whatever is not plain
is handed to the full path with nothing written."""

from __future__ import annotations

import sqlite3

from peers_tui.core.account import Account
from peers_tui.core.held_send import held_group, send_held


def _held(account: Account, group_id: str):
    context = held_group(account.messages, group_id)
    assert context is not None
    return context


def _count(account: Account, group_id: str) -> int:
    return len(list(account.export_views(group_id)))


def test_a_plain_send_is_written_verified_and_read_back(alice, bob, team):
    account = Account(alice.home, alice.hub)
    with _held(account, team):
        sent = send_held(account.messages, team, "\nhello plainly\n\n")
    assert sent is not None
    view, after = sent
    assert view.body == "hello plainly" and view.verified and view.author_id == account.user_id
    after.write()  # the bookkeeping, as the outbox writes it later
    # Another user reads it as any message: signed, chained, indexed for search.
    other = Account(bob.home, bob.hub)
    shown = [v for v in other.export_views(team) if v.id == view.id]
    assert len(shown) == 1 and shown[0].verified and shown[0].body == "hello plainly"
    assert [v.id for v in other.messages.search(team, "plainly")] == [view.id]
    assert not account.pin_problems(account.resolve(team))
    assert account.resolve(team).read_marker == view.id
    # The next send, full or plain, chains after it.
    account.send(team, "full after plain")
    with _held(account, team):
        again = send_held(account.messages, team, "plain after full")
    assert again is not None and again[0].verified
    assert all(v.verified for v in other.export_views(team))


def test_a_reply_goes_the_full_way(alice, team):
    account = Account(alice.home, alice.hub)
    first = account.send(team, "question")
    before = _count(account, team)
    with _held(account, team):
        assert send_held(account.messages, team, "answer", reply_to=first.id) is None
    assert _count(account, team) == before


def test_a_handle_to_sign_first_goes_the_full_way(alice, team):
    account = Account(alice.home, alice.hub)
    account.set_handle("alicia")
    before = _count(account, team)
    with _held(account, team):
        assert send_held(account.messages, team, "who am I") is None
    assert _count(account, team) == before  # the full path signs the handle, then posts


def test_a_backfill_begun_after_the_connection_was_opened_goes_the_full_way(alice, team):
    account = Account(alice.home, alice.hub)
    entry = account.resolve(team)
    before = _count(account, team)
    with _held(account, team):
        send_held(account.messages, team, "warm")  # the connection is open and used
        other = sqlite3.connect(entry.db_file)
        other.execute("CREATE TABLE backfill_state (id INTEGER PRIMARY KEY)")
        other.commit()
        other.close()
        assert send_held(account.messages, team, "during a backfill") is None
    assert _count(account, team) == before + 1


def test_bad_input_and_the_personal_group_go_the_full_way(alice, team):
    account = Account(alice.home, alice.hub)
    before = _count(account, team)
    with _held(account, team):
        assert send_held(account.messages, team, "   ") is None  # the full path says why
        assert send_held(account.messages, team, "x", kind="no-such-kind") is None
    assert _count(account, team) == before
    personal = next(e for e in account.entries() if e.personal)
    assert held_group(account.messages, personal.id) is None
    assert send_held(account.messages, personal.id, "note to self") is None
