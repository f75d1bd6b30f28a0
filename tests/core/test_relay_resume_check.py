"""A relay's start asks every group file whether a join's walk is under way there
(relay/backfill.py, `Backfills.resume`): a file without a frontier is answered from a
read-only look at its schema (backfill_state.walking), with no store opened for it (~1 ms
each, 0.15 s of a 200-group relay's start: docs/relay.md, "Idle with many groups and
leaves"); a file with one still resumes its walk. Real files."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from peers_tui.core.group_store import GroupStore
from peers_tui.relay import backfill_state
from peers_tui.relay.backfill import Backfills
from peers_tui.relay.ledger import Ledger
from tests.core.test_relay_scanner import _host_without_bobs_last


def test_a_start_opens_no_store_for_a_file_without_a_walk(tmp_path: Path, alice, bob,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    group_id, hub, _ = _host_without_bobs_last(tmp_path, alice, bob)
    other = tmp_path / "walking-hub"  # another host's copy of the file, its walk under way
    other.mkdir()
    shutil.copy(hub / f"{group_id}.db", other / f"{group_id}.db")
    walked = GroupStore(other / f"{group_id}.db", group_id)
    try:
        backfill_state.begin(walked, 10, 5)
    finally:
        walked.close()
    opened: list[str] = []
    real_open = backfill_state.open_store

    def counted(at: Path, group: str) -> GroupStore:
        opened.append(group)
        return real_open(at, group)

    monkeypatch.setattr(backfill_state, "open_store", counted)
    ledger = Ledger(tmp_path / "relay.db")

    async def start(at: Path) -> bool:
        backfills = Backfills(at, None, None, ledger, asyncio.Lock(),  # type: ignore[arg-type]
                              lambda what: None)
        resumed = backfills.resume(group_id)
        for task in backfills.cancel():  # the walk's task: no hub to read here
            await asyncio.wait([task], timeout=2)
        return resumed

    try:
        assert asyncio.run(start(hub)) is False
        assert opened == []  # answered without a store
        assert asyncio.run(start(other)) is True  # the walk goes on
        assert opened == [group_id]
    finally:
        ledger.close()
    assert backfill_state.walking(hub / f"{group_id}.db") is False
    assert backfill_state.walking(other / f"{group_id}.db") is True
    assert backfill_state.walking(hub / "missing.db") is None
