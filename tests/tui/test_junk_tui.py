"""The TUI with junk rows in the files: it starts, opens, switches, lists, searches and counts.

The same raw junk as tests/core/test_junk_rows.py, a fixed handful at a time, and a Pilot run over
every screen that reads the files. Any exception in the app fails the run; the genuine
messages must still be shown as genuine.
"""

from __future__ import annotations

import pytest

from peers_tui.messages import OpenGroup
from peers_tui.core.account import Account
from peers_tui.screens.group_list import GroupListScreen
from peers_tui.screens.search import SearchScreen
from peers_tui.widgets import MessageLog
from tests.conftest import User
from tests.junk_helpers import YEAR_9999_MS, BadUtf8, Junk
from tests.tui_helpers import make_app, wait_for

DEEP = "[" * 100_000
GROUP_JUNK = {
    "messages": [
        Junk("message", {"id": "7ZZZZZZZZZZZZZZZZZZZZZZZZZ", "created_at": 10 * YEAR_9999_MS,
                         "body": BadUtf8(b"\xff hello junk"), "record": DEEP}, False),
        Junk("message", {"id": "01ZZZZZZZZZZZZZZZZZZZZZZZZ", "created_at": -2**63,
                         "author_seq": "x", "sig": 1.5, "target": b"\x00"}, True),
        Junk("message", {"created_at": 2**63 - 1}, True),  # a copy of a genuine row
        Junk("message_fts", {"rowid": 999_999, "body": "hello phantom"}, False),
    ],
    "membership": [
        Junk("group_members", {"seq": 99, "record": b"\xff", "cosig": "x"}, False),
        Junk("group_members", {"seq": None, "member": None, "record": "{" * 50_000}, True),
        Junk("invite", {"record": BadUtf8(b"\xff"), "key": None, "kind": 7}, True),
        Junk("group_info", {"id": b"\xff", "record": None}, True),
    ],
}
PERSONAL_JUNK = [
    Junk("groups", {"id": "zzzzzzzzzzzzzzzzzzzzzzzzzz", "name": BadUtf8(b"\xffname[/]"),
                    "db_path": "/nowhere\x00x", "sort_order": float("inf"), "personal": 5,
                    "joined_at": "soon", "read_marker": b"\xff", "author_heads": DEEP}, True),
    Junk("setting", {"key": "handle", "value": "x" * 300_000}, True),
    Junk("setting", {"key": "input_history", "value": DEEP}, True),
]


@pytest.mark.parametrize("junk", ["messages", "membership", "personal"])
async def test_app_lives_with_junk_in_every_screen(alice: User, bob: User, team, junk: str):
    alice.ok("send", "team", "hello from alice")
    bob.ok("send", "team", "hello from bob")
    alice.ok("create", "other")
    alice.ok("send", "other", "elsewhere")
    rows = PERSONAL_JUNK if junk == "personal" else GROUP_JUNK[junk]
    for row in rows:
        row.write(alice.home / "personal.db" if junk == "personal"
                  else alice.hub / f"{team}.db")
    Account(alice.home, alice.hub).set_last_group(team)

    app = make_app(alice)
    async with app.run_test(size=(110, 30), notifications=True) as pilot:
        def genuine_shown() -> bool:
            views = app.screen.query_one(MessageLog).views
            genuine = {v.body for v in views if v.verified}
            return {"hello from alice", "hello from bob"} <= genuine

        await wait_for(pilot, genuine_shown)
        await wait_for(pilot, lambda: {"team", "other"} <= {s.name for s in app.summaries})
        listed = {s.name: s for s in app.summaries}
        assert listed["other"].state == "active"

        await pilot.press("ctrl+g")
        assert isinstance(app.screen, GroupListScreen)
        await pilot.pause()
        await pilot.press("escape")

        await pilot.press("ctrl+f")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"hello")
        await pilot.pause(0.5)
        await pilot.press("escape")

        app.post_message(OpenGroup(listed["other"].id))
        await wait_for(pilot, lambda: app.chat.entry.name == "other")
        await wait_for(pilot, lambda: [v.body for v in app.chat.query_one(MessageLog).views]
                       == ["elsewhere"])
        app.post_message(OpenGroup(listed["team"].id))
        await wait_for(pilot, lambda: app.chat.entry.name == "team" and genuine_shown())
