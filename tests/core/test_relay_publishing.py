"""A chunk of records published together (relay/publishing.py): a record alone is published
in the caller's own task, with the same result and errors as `asyncio.gather` gives; and the
hub's intake asks its stream about a batch only when it holds a genesis of a group whose
file is missing (founding.made_again_due)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from peers_tui.relay.envelope import Envelope
from peers_tui.relay.founding import made_again_due
from peers_tui.relay.publishing import publishing


async def _ack(value: int, tasks: list[asyncio.Task[object] | None]) -> int:
    tasks.append(asyncio.current_task())
    await asyncio.sleep(0)
    return value


def test_one_record_is_published_in_the_callers_task() -> None:
    async def run() -> None:
        tasks: list[asyncio.Task[object] | None] = []
        assert await publishing([_ack(7, tasks)]) == [7]
        assert tasks == [asyncio.current_task()]  # no task of its own

    asyncio.run(run())


def test_a_chunk_is_published_together_in_order() -> None:
    async def run() -> None:
        tasks: list[asyncio.Task[object] | None] = []
        assert await publishing([_ack(n, tasks) for n in range(3)]) == [0, 1, 2]
        assert len(tasks) == 3 and asyncio.current_task() not in tasks

    asyncio.run(run())


def test_a_refused_publish_raises_alone_or_in_a_chunk() -> None:
    async def refused() -> int:
        raise RuntimeError("refused")

    async def run(count: int) -> None:
        with pytest.raises(RuntimeError, match="refused"):
            await publishing([refused() for _ in range(count)])

    for count in (1, 2):
        asyncio.run(run(count))


def _envelope(table: str) -> Envelope:
    return Envelope("a" * 26, table, "{}", b"", None, "B")


def test_the_stream_is_asked_only_for_a_genesis_of_a_missing_file(tmp_path: Path) -> None:
    group_id = "a" * 26
    messages = [_envelope("msg"), _envelope("member")]
    assert not made_again_due(tmp_path, group_id, messages)  # every live message
    assert made_again_due(tmp_path, group_id, [_envelope("genesis"), *messages])
    (tmp_path / f"{group_id}.db").touch()
    assert not made_again_due(tmp_path, group_id, [_envelope("genesis"), *messages])
