"""A change whose message is not in the file is a link of its author's chain without effect,
judged on its own (core.changes_alone): a post void by a cut is taken out of every file while
a member in good standing had reacted to it, and no file can tell "void" from "not arrived".

Real group files; records signed with keys the test holds (peers_tui.testing.forge) and
inserted straight into the file, as a modified client or a relay applying them would.
"""

from __future__ import annotations

import sqlite3

from peers_tui.core.encoding import now_ms
from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.testing.forge import Forger
from tests.core.test_attacks import another, no_traceback, shown
from tests.core.test_validity import log_json, member_seq, path


def _nowhere() -> str:
    return ulid_text(new_ulid(now_ms()))  # a message id no record here holds


def test_a_members_changes_of_a_message_not_here_are_genuine_and_change_nothing(
        alice, bob, team):
    """Before: `peers verify` failed ("changes a message that is not in the file")."""
    db = path(alice, team)
    alice.ok("send", "team", "hello")
    forger = Forger(bob.home)
    forger.react(db, team, _nowhere(), "👍")
    forger.edit(db, team, _nowhere(), "an edit of a message that never came")
    forger.delete(db, team, _nowhere())
    bob.ok("send", "team", "bob goes on")  # his chain follows the three
    verified = alice.run("verify", "team")
    assert verified.code == 0, verified.out
    assert set(shown(alice)) == {"hello", "bob goes on"}
    assert all(m["reactions"] == {} and not m["edited"] for m in log_json(alice))
    no_traceback(verified, bob.run("verify", "team"))


def test_a_change_of_a_message_not_here_by_a_non_member_is_named(alice, bob, team):
    """The attack: an outsider's key signs a reaction to an id no message holds and writes it
    into the file; with no message to judge it against, it is still judged on its own."""
    eve = another(alice, "eve")
    Forger(eve.home).react(path(alice, team), team, _nowhere(), "💣")
    verified = alice.run("verify", "team")
    assert verified.code == 1 and "not a member" in verified.out, verified.out
    no_traceback(verified)


def test_a_change_of_a_message_not_here_beyond_a_cut_is_named(alice, bob, team):
    """bob, removed, signs an edit of a missing message under the state he was a writer in."""
    old = member_seq(alice, team)
    alice.ok("remove", "team", "bob")
    forger = Forger(bob.home)
    key = forger.edit(path(alice, team), team, _nowhere(), "after my removal", mseq=old)
    verified = alice.run("verify", "team")
    assert verified.code == 1 and key in verified.out, verified.out


def test_a_message_deleted_from_the_file_under_a_change_still_shows(alice, bob, team):
    """Accepting a change without its message must not hide that a genuine message was
    deleted from the file: its author's chain has a hole (or their pin is above it)."""
    first = alice.ok("send", "team", "first").out.strip()
    alice.ok("send", "team", "second")
    bob.ok("react", "team", first, "👍")
    with sqlite3.connect(path(alice, team)) as conn:
        conn.execute("DELETE FROM message WHERE id = ?", (first,))
    verified = alice.run("verify", "team")
    assert verified.code == 1 and "missing" in verified.out, verified.out
    no_traceback(verified)
