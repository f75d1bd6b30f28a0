"""A user's own handle damaged in their personal.db (nineteenth attack pass, h-attack19).

The handle is a setting in `<home>/personal.db`, which anything with write access to the
user's home can change (a stray script, a restore of a damaged copy, another tool). When it
no longer passed the handle's checks (a newline, a control character, too long, empty),
peers silently used the Unix user name instead and, on the next send, signed "alice is now
known as root" (the Unix name) into the group, for every member to see. Now every command
that would sign the handle refuses in one line naming the bad handle and how to set a new
one, and writes nothing; `peers id --handle NAME` mends it.
"""

from __future__ import annotations

import getpass
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import User

BAD = ["ev\x1b[31mil", "two\nlines", "x" * 500, "", "  "]


def tamper(user: User, value: str | None) -> None:
    with sqlite3.connect(user.home / "personal.db") as conn:
        if value is None:
            conn.execute("DELETE FROM setting WHERE key = 'handle'")
        else:
            conn.execute("UPDATE setting SET value = ? WHERE key = 'handle'", (value,))


@pytest.mark.parametrize("bad", BAD, ids=["escape", "newline", "long", "empty", "blank"])
def test_a_damaged_own_handle_is_refused_not_replaced(alice: User, bob: User, hub: Path,
                                                      bad: str):
    alice.ok("id", "--handle", "alice")
    alice.ok("create", "team")
    code = alice.ok("invite", "team").out.strip()
    bob.ok("join", code)
    alice.ok("send", "team", "hello")
    before = bob.ok("log", "team").out
    tamper(alice, bad)
    for argv in (("send", "team", "after"), ("create", "other")):
        refused = alice.fails(*argv)
        assert "handle" in refused.err and "peers id --handle" in refused.err, refused.err
        assert "\x1b" not in refused.err
    spawned = alice.spawn("send", "team", "after, from a process")  # the lean path
    assert spawned.code != 0 and "peers id --handle" in spawned.err, spawned
    assert len(spawned.err.strip().splitlines()) == 1 and "Traceback" not in spawned.err
    after = bob.ok("log", "team").out
    assert after == before, after
    assert "known as" not in after and getpass.getuser() not in after.replace("alice", "")
    assert "other" not in alice.ok("groups").out
    alice.ok("id", "--handle", "alice2")  # the way out the error names
    alice.ok("send", "team", "mended")
    log = bob.ok("log", "team").out
    assert "alice is now known as alice2" in log and "mended" in log, log
