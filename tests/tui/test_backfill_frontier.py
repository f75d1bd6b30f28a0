"""While a joined group's history still arrives newest first (relay backfill), the log's top
reads "earlier history not yet received (N of M here)": never a deleted or unverified message."""

from __future__ import annotations

from peers_tui.core import frontier
from peers_tui.core.group_store import GroupStore
from peers_tui.core.models import Message
from peers_tui.widgets import MessageLog
from tests.conftest import User
from tests.tui_helpers import log_bodies, make_app, screen_text, wait_for


def half_received(user: User, group_id: str, total: int = 7) -> None:
    """The file as a backfill leaves it part-way: bob's two oldest messages not here yet, the
    hub holding `total` message records."""
    store = GroupStore(user.hub / f"{group_id}.db", group_id)
    with store.session(), store.db.atomic():
        oldest = list(Message.select().where(Message.body.in_(["bob 0", "bob 1"])))
        Message.delete().where(Message.id.in_([m.id for m in oldest])).execute()
        frontier.begin(store.db, total, 100, 90)
        frontier.lower(store.db, {str(oldest[0].author): 3})
    store.close()


async def test_the_top_of_a_half_received_history_says_so(alice: User, bob: User, team):
    for i in range(3):
        bob.ok("send", "team", f"bob {i}")
    for i in range(2):
        alice.ok("send", "team", f"alice {i}")
    half_received(alice, team)
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: log_bodies(app) == ["bob 2", "alice 0", "alice 1"])
        log.focus()
        await pilot.press("home")
        await wait_for(pilot, lambda: not log.busy)
        text = screen_text(app)
        assert "earlier history not yet received (3 of 7 here)" in text
        assert "UNVERIFIED" not in text and "deleted" not in text
        lines = [str(line.text) for line in log.rendered_lines]
        assert "earlier history not yet received" in lines[0]


async def test_the_frontier_line_waits_at_the_top_of_a_long_history(alice: User, bob: User,
                                                                      team, tmp_path):
    import json
    import time

    for i in range(3):
        bob.ok("send", "team", f"bob {i}")
    start = int(time.time()) - 3600
    lines = tmp_path / "old.jsonl"
    lines.write_text("".join(json.dumps({"id": f"o{i}", "author": "old", "body": f"old {i}",
                                         "created_at": start + i}) + "\n" for i in range(250)))
    alice.ok("import", "team", str(lines))
    half_received(alice, team, 300)
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: bool(log_bodies(app)) and not log.busy)
        assert "not yet received" not in screen_text(app)  # the newest screen: no top yet
        log.focus()
        await pilot.press("home")
        await wait_for(pilot, lambda: log.window.at_oldest and not log.busy
                       and "not yet received" in screen_text(app))
        lines_shown = [str(line.text) for line in log.rendered_lines]
        assert "earlier history not yet received (251 of 300 here)" in lines_shown[0]
        assert "UNVERIFIED" not in screen_text(app)
