"""A damaged own handle in personal.db, in the app (nineteenth attack pass, h-attack19).

The app's send signed the Unix user name as the new handle ("alice is now known as root")
when personal.db held one that fails the handle's checks. Now the message is not sent, a
notification names the bad handle and `/nick` (or `peers id --handle`), the app goes on, and
the group's file is unchanged; /nick mends it.
"""

from __future__ import annotations

import sqlite3

from peers_tui.core.account import Account
from tests.cli.test_tampered_own_handle import tamper
from tests.conftest import User
from tests.tui.test_send_first import stored_bodies
from tests.tui_helpers import make_app, type_text, wait_for
from peers_tui.widgets import Composer, MessageLog


def notes(app) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


def all_rows(user: User, group: str) -> int:
    path = Account(user.home, user.hub).resolve(group).db_path
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT (SELECT count(*) FROM message)"
                                  " + (SELECT count(*) FROM group_members)").fetchone()[0]


async def test_the_app_refuses_to_send_under_a_damaged_handle(alice: User, team: str):
    alice.ok("send", "team", "hello")
    tamper(alice, "ev\x1b[2Jil\nroot")
    rows = all_rows(alice, "team")
    app = make_app(alice, "team")
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.chat.query_one(MessageLog).loaded)
        await type_text(pilot, "after")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "peers id --handle" in notes(app))
        assert "\x1b" not in notes(app)
        assert "after" not in stored_bodies(alice, "team")
        assert all_rows(alice, "team") == rows
        app.screen.query_one(Composer).clear()  # the refused text stays for another try
        await type_text(pilot, "/nick alice2")
        await pilot.press("enter")
        await wait_for(pilot, lambda: all_rows(alice, "team") == rows + 1)
    assert Account(alice.home, alice.hub).handle == "alice2"
