"""What a backfill's older pages cost a reader that is not shown them (core/live_feed.py):
nothing built, the position still moved past them, and the next new message still read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from peers_tui.core.live_feed import LiveFeed
from peers_tui.relay import backfill_state
from peers_tui.relay.apply import apply_records
from tests.conftest import User
from tests.core.test_relay_apply import local_envelopes
from tests.core.test_relay_backfill_apply import newest_two_received


def test_a_page_of_history_only_is_skipped_without_reading_its_rows(
        tmp_path: Path, alice: User, bob: User, team: str):
    here, store, messages = newest_two_received(tmp_path, alice, bob, team)
    feed = LiveFeed(store, store.last_rowid())
    feed.history_wanted = False
    assert feed.read().views == []  # where the backfill's line is: the oldest received
    built: list[Any] = []
    since = store.since

    def counted(*args: Any, **kwargs: Any) -> Any:
        views, position = since(*args, **kwargs)
        built.append(position)
        return views, position
    store.since = counted  # type: ignore[method-assign]  # counts the full reads, reads as ever

    apply_records(here, team, messages[-5:-2], create=False, hub_order=True, store=store)
    batch = feed.read()
    assert batch.views == [] and batch.position == store.last_rowid()
    assert built == []  # the page's rows were never built only to be dropped
    alice.ok("send", "team", "live")  # a new message in the same commit as the next page
    apply_records(here, team, [e for e in local_envelopes(alice, team) if e.table == "msg"][-1:]
                  + messages[:-5], create=False, hub_order=True, store=store)
    assert [v.body for v in feed.read().views] == ["live"]
    assert len(built) == 1  # that one was read as before
    assert backfill_state.finish(store) == []
    alice.ok("send", "team", "after")
    apply_records(here, team, [e for e in local_envelopes(alice, team) if e.table == "msg"][-1:],
                  create=False, hub_order=True, store=store)
    assert [v.body for v in feed.read().views] == ["after"]
    store.close()
