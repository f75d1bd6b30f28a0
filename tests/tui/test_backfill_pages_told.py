"""A backfill's pages of history below the open group's log (the log at its newest, so the
live feed skips them: core.live_feed) are told to the UI thread at most every
HISTORY_TOLD_EVERY, not each page (services.hub_watch): each page woke the event loop while
the user typed (R6a). What the screen shows is not held back: a live message during the
backfill appears at once, and the pages are still told, once, for the unread counts."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from peers_tui.core import frontier
from peers_tui.core.account import Account
from peers_tui.core.group_store import GroupStore
from peers_tui.core.models import Message
from peers_tui.relay import apply, backfill_state
from peers_tui.services.hub_watch import HISTORY_TOLD_EVERY
from peers_tui.widgets import MessageLog
from tests.conftest import User
from tests.core.test_joined_history import taken_out
from tests.tui_helpers import log_bodies, make_app, wait_for

PAGES = 6
PAGE = 40


def top_rowid(path: Path) -> int:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(db.execute("SELECT MAX(rowid) FROM message").fetchone()[0])
    finally:
        db.close()


async def test_backfilled_pages_below_the_log_wake_the_ui_thread_once_not_per_page(
        alice: User, bob: User, team: str, monkeypatch: Any):
    start = int(time.time()) - 3600
    total = PAGES * PAGE + 200
    Account(alice.home, alice.hub).import_history("team", [json.dumps(
        {"id": f"o{i}", "author": "old", "body": f"old {i}", "created_at": start + i})
        for i in range(total)])
    alice.ok("send", "team", "the newest")
    store = GroupStore(alice.hub / f"{team}.db", team)
    with store.session(), store.db.atomic():
        # Newest first, as the walk brings them: page 0 holds the newest of what is missing.
        pages = [taken_out(store, Message.body.in_(
            [f"old {i}" for i in range(total - 200 - (p + 1) * PAGE, total - 200 - p * PAGE)]))
            for p in range(PAGES)]
        floor = Message.get(Message.body == f"old {total - 200}")
        frontier.begin(store.db, total + 3, 100, 90)
        frontier.lower(store.db, {str(floor.author): int(floor.author_seq)})
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: "the newest" in log_bodies(app) and not log.busy)
        assert not log.window.at_oldest  # the pages land below the window: skipped
        await pilot.pause(0.5)
        told: list[float] = []
        changed = app.unread.changed

        def counting(group_ids: frozenset[str]) -> None:
            if team in group_ids:
                told.append(time.monotonic())
            changed(group_ids)
        monkeypatch.setattr(app.unread, "changed", counting)
        began = time.monotonic()
        for page in pages:
            backfill_state.expect_history(store, page)  # as relay/backfill.py does
            apply.apply_records(alice.hub, team, page, create=False, hub_order=True,
                                store=store)
            await pilot.pause(0.15)  # the watcher reads each page on its own
        applied = time.monotonic() - began
        bound = 1 + int(applied / HISTORY_TOLD_EVERY)  # once, and once more each interval
        assert bound < PAGES, applied  # else the bound says nothing (a machine far too slow)
        # Each page was read by the feed (its position moved past all of them)...
        top = top_rowid(alice.hub / f"{team}.db")
        await wait_for(pilot, lambda: app.screen.feed is not None
                       and app.screen.feed.position >= top)
        # ...and told to the UI thread once while they came (main: once a page).
        assert len([at for at in told if at - began < applied]) <= bound, (told, applied)
        # A live message during the backfill shows at once, not after the held pages.
        bob.ok("send", "team", "live during the backfill")
        seen = time.monotonic()
        await wait_for(pilot, lambda: "live during the backfill" in log_bodies(app))
        assert time.monotonic() - seen < HISTORY_TOLD_EVERY
        # The pages are told all the same (the unread counts recount the group).
        await wait_for(pilot, lambda: len(told) >= 1, timeout=HISTORY_TOLD_EVERY + 3)
    store.close()
