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


def test_a_skipped_page_is_passed_over_in_one_statement_over_its_rows(
        tmp_path: Path, alice: User, bob: User, team: str):
    """Each page the relay commits wakes the open app's reader: the look that decides the page
    is history also finds its oldest message (where the log's line moves), in the same pass.
    A second statement over the page's 1,000 rows for the oldest doubled the read (R6c)."""
    here, store, messages = newest_two_received(tmp_path, alice, bob, team)
    feed = LiveFeed(store, store.last_rowid())
    feed.history_wanted = False
    assert feed.read().views == []  # the reader's connection is kept from here on
    apply_records(here, team, messages[-5:-2], create=False, hub_order=True, store=store)
    statements: list[str] = []  # what the reader's look at the page runs
    with store.session():
        store.db.connection().set_trace_callback(statements.append)
    batch = feed.read()
    assert batch.views == [] and batch.position == store.last_rowid()
    over_rows = [s for s in statements if "FROM message" in s and "rowid >" in s]
    assert len(over_rows) == 1, over_rows
    # The line moved to the page's oldest all the same: a message older than it is history.
    oldest = min(e.text for e in messages[-5:-2] if e.table == "msg")
    assert feed._oldest is not None and feed._oldest <= oldest
    store.close()
