"""Records a member signed before losing the right to write, filed after they got it back
(fifteenth attack pass; held): bob, cut off, signs a message; alice removes him and invites
him back (or demotes him to reader and makes him a writer again) without having seen it;
the message is then written into the file. It names the state before the change, beyond
the change's cut: void, however bob stands now, and his own later message stays genuine.
Also a demoted writer's reaction, deletion or edit naming the state before the demotion."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from peers_tui.testing.forge import Forger
from tests.core.test_validity import log_json, member_seq, path

CUT = "beyond where membership change {} cut its author's chain"


def withheld(bob, db, group_id, tmp, body):  # noqa: ANN001, ANN201
    """bob's message signed on a copy of the file (his host, cut off): its row."""
    copy = tmp / f"copy-{body}.db"
    shutil.copy(db, copy)
    message_id = Forger(bob.home).message(copy, group_id, body)
    with sqlite3.connect(copy) as conn:
        conn.row_factory = sqlite3.Row
        return dict(conn.execute("SELECT * FROM message WHERE id = ?", (message_id,)).fetchone())


def insert(db, row) -> None:  # noqa: ANN001
    with sqlite3.connect(db) as conn:
        columns = {r[1] for r in conn.execute("PRAGMA table_info(message)")}
        names = [name for name in row if name in columns]
        conn.execute(f"INSERT INTO message ({', '.join(names)}) VALUES "
                     f"({', '.join('?' * len(names))})", [row[n] for n in names])


@pytest.mark.parametrize("how", ["removed and back", "demoted and back"])
def test_a_message_signed_before_the_change_stays_void_after_the_role_is_back(
        how, alice, bob, team, tmp_path):
    db = path(alice, team)
    bob.ok("send", "team", "before")
    row = withheld(bob, db, team, tmp_path, "withheld")
    if how == "removed and back":
        alice.ok("remove", "team", "bob")
        bob.ok("join", alice.ok("invite", "team").out.strip())
    else:
        alice.ok("role", "team", "bob", "reader")
        alice.ok("role", "team", "bob", "writer")
    insert(db, row)
    bob.ok("send", "team", "after")
    for reader in (alice, bob):
        shown = {m["body"]: m for m in log_json(reader)}
        assert shown["before"]["verified"] and shown["after"]["verified"]
        assert shown["withheld"]["verified"] is False
        assert CUT.format(2) in shown["withheld"]["problem"]


@pytest.mark.parametrize("kind", ["react", "delete", "edit"])
def test_a_demoted_writers_change_under_the_old_state_is_void(kind, alice, bob, team):
    db = path(alice, team)
    target = bob.ok("send", "team", "mine").out.strip()
    old = member_seq(alice, team)
    alice.ok("role", "team", "bob", "reader")
    forger = Forger(bob.home)
    if kind == "react":
        forger.react(db, team, target, "👍", mseq=old)
    elif kind == "delete":
        forger.delete(db, team, target, mseq=old)
    else:
        forger.edit(db, team, target, "changed", mseq=old)
    rows = log_json(alice)
    [mine] = [r for r in rows if r.get("target") is None]
    assert (mine["body"], mine["verified"], mine.get("reactions") or {}) == ("mine", True, {})
    [change] = [r for r in rows if r.get("target") is not None]
    assert change["verified"] is False and CUT.format(old + 1) in change["problem"]
