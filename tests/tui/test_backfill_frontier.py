"""While a joined group's history still arrives newest first (relay backfill), the log's top
reads "earlier history not yet received (N of M)": never a deleted or unverified message."""

from __future__ import annotations

from peers_tui.core import frontier
from peers_tui.core.group_store import GroupStore
from peers_tui.core.models import Message
from peers_tui.widgets import MessageLog
from tests.conftest import User
from tests.tui_helpers import log_bodies, make_app, screen_text, wait_for


def half_received(user: User, group_id: str) -> None:
    """The file as a backfill leaves it part-way: bob's two oldest messages not here yet,
    the frontier saying 5 of the hub's 7 message records are."""
    store = GroupStore(user.hub / f"{group_id}.db", group_id)
    with store.session(), store.db.atomic():
        oldest = list(Message.select().where(Message.body.in_(["bob 0", "bob 1"])))
        Message.delete().where(Message.id.in_([m.id for m in oldest])).execute()
        frontier.begin(store.db, 7, 100, 90)
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
        await pilot.press("home")
        await wait_for(pilot, lambda: not log.busy)
        text = screen_text(app)
        assert "earlier history not yet received (3 of 7)" in text
        assert "UNVERIFIED" not in text and "deleted" not in text
        lines = [str(line.text) for line in log.rendered_lines]
        assert "earlier history not yet received" in lines[0]
