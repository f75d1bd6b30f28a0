"""A backfill's page is one commit of the group file: its rows, the authors' floors, the
position the walk reached and the page's history ranges (relay/backfill_state.reached, run
by apply.apply_records inside its transaction). The walk committed the position in a
transaction of its own after each page: every reader of the file (the joining user's app)
woke twice a page, and the walk paid a second commit.

And the columns a record's row must hold are computed once for the apply and its judge."""

from __future__ import annotations

import functools
import sqlite3
import struct
from collections import OrderedDict
from pathlib import Path

import pytest

from peers_tui.core import joined_history
from peers_tui.relay import backfill_state
from peers_tui.relay.apply import apply_records
from tests.conftest import User
from tests.core.test_relay_backfill_apply import joining_host

POSITION = 7


def commits_in_wal(db_path: Path) -> int:
    """Commits in the file's write-ahead log since it was last reset: frames whose header
    gives the database size (only a transaction's last frame does) and the log's salts."""
    data = (db_path.parent / f"{db_path.name}-wal").read_bytes()
    if len(data) < 32:
        return 0
    page_size = struct.unpack(">I", data[8:12])[0]
    salts = data[16:24]
    commits, offset = 0, 32
    while offset + 24 + page_size <= len(data):
        size_after = struct.unpack(">I", data[offset + 4:offset + 8])[0]
        if data[offset + 8:offset + 16] != salts:
            break  # frames of an earlier generation of the log
        commits += size_after > 0
        offset += 24 + page_size
    return commits


def test_a_pages_rows_and_the_position_the_walk_reached_are_one_commit(
        tmp_path: Path, alice: User, bob: User, team: str):
    for i in range(6):
        bob.ok("send", "team", f"old {i}")
    here, store, messages = joining_host(tmp_path, alice, team)
    page = messages[-3:]
    backfill_state.expect_history(store, page)
    # Held open, this connection keeps the log from being checkpointed away at each close.
    watcher = sqlite3.connect(store.path)
    watcher.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    before = commits_in_wal(store.path)
    outcome = apply_records(here, team, page, create=False, hub_order=True, store=store,
                            then=functools.partial(backfill_state.reached, group_id=team,
                                                   position=POSITION))
    assert outcome is not None and len(outcome.applied) == 3 and not outcome.refused
    assert commits_in_wal(store.path) == before + 1
    state = backfill_state.current(store)
    assert state is not None and state.lower == POSITION
    assert not joined_history.any_named(team)  # the page's names settled in that commit
    store.close()
    watcher.close()


def test_a_position_that_cannot_be_stored_takes_its_page_back_with_it(
        tmp_path: Path, alice: User, bob: User, team: str):
    for i in range(6):
        bob.ok("send", "team", f"old {i}")
    here, store, messages = joining_host(tmp_path, alice, team)
    lower_before = backfill_state.current(store).lower  # type: ignore[union-attr]

    def reached_then_failed(db: object) -> None:
        backfill_state.reached(db, team, POSITION)
        raise OSError("disk full")

    with pytest.raises(OSError):
        apply_records(here, team, messages[-3:], create=False, hub_order=True, store=store,
                      then=reached_then_failed)
    with store.session():
        assert store.db.execute_sql("SELECT COUNT(*) FROM message").fetchone()[0] == 0
    state = backfill_state.current(store)
    assert state is not None and state.lower == lower_before
    store.close()


def test_the_judge_takes_the_columns_the_apply_computed_for_each_record(
        tmp_path: Path, alice: User, bob: User, team: str, monkeypatch: pytest.MonkeyPatch):
    from peers_tui.core import opened_records

    for i in range(6):
        bob.ok("send", "team", f"old {i}")
    here, store, messages = joining_host(tmp_path, alice, team)
    for kept in ("_by_text", "_columns"):  # none of them opened before
        monkeypatch.setattr(opened_records, kept, OrderedDict())
    computed: list[str] = []
    real = opened_records.expected_columns

    def counted(record):  # type: ignore[no-untyped-def]
        computed.append(record.text)
        return real(record)

    monkeypatch.setattr(opened_records, "expected_columns", counted)
    outcome = apply_records(here, team, messages, create=False, hub_order=True, store=store)
    assert outcome is not None and len(outcome.applied) == len(messages) and not outcome.refused
    assert sorted(computed) == sorted(e.text for e in messages)  # once each, not twice
    assert all(v.verified for v in store.recent(50))
    store.close()
