"""A group file whose write lock another process holds (docs/relay.md, "Leftovers, fourth
round"): the ninth acceptance pass froze a relay inside a write transaction, and `peers send`
waited ~11 s to fail with SQLite's bare "<file>.db: database is locked". The lean send waited
its 5 s busy timeout, handed over to the full path, which waited 5 s more. Now the first wait
is the only one and the line names the group, who holds it, how long was waited and what to
do; nothing is written, and the app keeps the draft.

The holder is a real second process in BEGIN IMMEDIATE on the file (as a stopped relay is)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from peers_tui.core.database.files import BUSY_SECONDS
from peers_tui.widgets import Composer
from tests.system_helpers import write_lock_held
from tests.tui_helpers import make_app, type_text, wait_for

# Each test waits out SQLite's busy timeout (5 s, twice in the first): ~20 s of a core left
# idle on a CPU worker of the first lane. Slow, they wait on a worker beyond the cores
# (tests/scheduling.py; docs/performance.md, "Test suite time, eighth pass").
pytestmark = pytest.mark.slow

WORDS = ("group team is locked by another peers process (the relay, or another peers command "
         f"or app) that holds its write lock; waited {BUSY_SECONDS} s, nothing was written")
# Below two waits (main: 10.5 s quiet), whatever a loaded machine adds to one wait (a
# process's start: up to 4.5 s here), so that no load fails it and main always did.
BOUND = 2 * BUSY_SECONDS - 0.5


def messages(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT COUNT(*) FROM message").fetchone()[0]


def test_send_to_a_locked_file_says_what_and_waits_once(alice):
    group_id = alice.ok("create", "team").out.strip()
    alice.ok("send", "team", "before")
    path = alice.hub / f"{group_id}.db"
    with write_lock_held(path):
        started = time.monotonic()
        result = alice.spawn("send", "team", "blocked")  # the lean path: a real process
        took = time.monotonic() - started
        assert result.code != 0 and "Traceback" not in result.err
        assert result.err.strip().splitlines() == [f"peers: {WORDS}: try again (`peers relay "
                                                   "status` says whether the relay runs)"]
        assert took < BOUND, took
        piped = alice.spawn("send", "team", "-", stdin="piped")  # the full path: same words
        assert piped.code != 0 and WORDS in piped.err and len(piped.err.splitlines()) == 1
    assert messages(path) == 1
    alice.ok("send", "team", "after")  # the lock gone, all is as before
    assert [m["body"] for m in alice.ok("log", "team", "--json").json()] == ["before", "after"]


async def test_app_says_the_file_is_locked_and_keeps_the_draft(alice):
    group_id = alice.ok("create", "team").out.strip()
    app = make_app(alice, "team")
    async with app.run_test(size=(110, 30), notifications=True) as pilot:
        composer = app.chat.query_one(Composer)
        await wait_for(pilot, lambda: app.chat.query_one("MessageLog").loaded)
        with write_lock_held(alice.hub / f"{group_id}.db"):
            await type_text(pilot, "words worth keeping")
            started = time.monotonic()
            await pilot.press("enter")
            await wait_for(pilot, lambda: any(n.title == "Not sent" for n in app._notifications),
                           timeout=3 * BUSY_SECONDS)
            took = time.monotonic() - started
            failure = next(n for n in app._notifications if n.title == "Not sent")
            assert WORDS in failure.message and "\n" not in failure.message
            assert composer.text == "words worth keeping"
            assert took < BOUND, took
        await pilot.press("enter")  # the kept text, sent once the lock is gone
        await wait_for(pilot, lambda: [m["body"] for m in alice.ok(
            "log", "team", "--json").json()] == ["words worth keeping"])


def test_a_locked_personal_file_does_not_fail_a_message_that_was_sent(alice):
    """personal.db held by another process (another app of the same user) while `peers send`
    writes its read marker and pins after the message: the message was sent, so the send says
    so (exit 0, its id), as on a full disk. It failed with "personal.db: database is locked",
    the message stored: a user trying again posted it twice."""
    group_id = alice.ok("create", "team").out.strip()
    alice.ok("send", "team", "before")
    with write_lock_held(alice.home / "personal.db"):
        result = alice.spawn("send", "team", "sent anyway")
    assert result.code == 0, result.err
    assert messages(alice.hub / f"{group_id}.db") == 2
    assert [m["body"] for m in alice.ok("log", "team", "--json").json()] == ["before", "sent anyway"]
