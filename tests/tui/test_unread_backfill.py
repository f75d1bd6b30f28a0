"""Unread counts of a group whose history still arrives (a backfill after a join): each page
is the newest thousand rows by arrival, all new to the count's memo, so the group is counted
every BACKFILL_INTERVAL, not at every page; and what the app shows is a fresh count."""

from __future__ import annotations

import time
from typing import Any

from peers_tui.core import frontier
from peers_tui.core.account import Account
from peers_tui.core.group_store import GroupStore
from peers_tui.services.unread_counts import BACKFILL_INTERVAL
from peers_tui.testing.settle import settle
from tests.conftest import User
from tests.tui_helpers import make_app


def backfill_begun(user: User, group_id: str) -> None:
    store = GroupStore(user.hub / f"{group_id}.db", group_id)
    with store.session(), store.db.atomic():
        frontier.begin(store.db, 10_000, 100, 90)
    store.close()


async def test_a_backfilling_group_is_recounted_every_few_seconds_and_counts_stay_exact(
        alice: User, bob: User, team: str, monkeypatch: Any):
    alice.ok("create", "side")
    bob.ok("send", "team", "before @alice")
    backfill_begun(alice, team)
    app = make_app(alice, "side")  # the backfilling group is not the one on screen
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        counted: list[float] = []
        summary = app.unread.account.summary

        def counting(entry: Any, *args: Any) -> Any:
            if entry.id == team:
                counted.append(time.monotonic())
            return summary(entry, *args)
        monkeypatch.setattr(app.unread.account, "summary", counting)
        started = time.monotonic()
        for i in range(8):
            bob.ok("send", "team", f"page {i}")  # a commit to the group, as a page is
            await pilot.pause(0.3)
        elapsed = time.monotonic() - started
        assert 1 <= len(counted) <= elapsed / BACKFILL_INTERVAL + 1, (len(counted), elapsed)
        await settle(pilot)
        shown = next(s for s in app.unread.summaries if s.id == team)
        fresh = Account(alice.home, alice.hub)  # its own memo of verdicts: a count from scratch
        recounted = fresh.summary(fresh.resolve("team"))
        assert (shown.unread, shown.mentions) == (recounted.unread, recounted.mentions) == (9, 1)
