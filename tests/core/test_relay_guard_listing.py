"""The consumer guard's sweep (relay/consumer_guard.py) lists a stream's consumers in as few
API calls as it takes: one page when the stream's info counts fewer than a page, no second
empty one (every call was an advisory the hub's relay reads, every 5 s, idle: docs/relay.md
"Idle with many groups and leaves"), and every page while more are counted. A real
nats-server with JetStream on loopback; the calls counted by their audit advisories."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

import pytest

from peers_tui.relay.consumer_guard import AUDIT, ConsumerGuard
from peers_tui.relay.server import server_binary
from peers_tui.testing.ports import leased_port

pytest.importorskip("nats")
STREAM = "GUARDED"


async def _listing_calls(tmp_path: Path, consumers: int) -> tuple[int, int]:
    """(consumers the guard listed, CONSUMER.LIST calls it made) on a stream of `consumers`."""
    import nats
    from nats.js.api import ConsumerConfig, StreamConfig

    port = leased_port()
    server = subprocess.Popen([server_binary(), "-a", "127.0.0.1", "-p", str(port), "-js",
                               "-sd", str(tmp_path / "js")], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                nc = await nats.connect(f"nats://127.0.0.1:{port}", allow_reconnect=False)
                break
            except Exception:  # not listening yet
                await asyncio.sleep(0.05)
        else:
            raise RuntimeError("nats-server did not start")
        js = nc.jetstream()
        await js.add_stream(StreamConfig(name=STREAM, subjects=["guarded.>"]))
        for _ in range(consumers):
            await js.add_consumer(STREAM, ConsumerConfig(inactive_threshold=30.0))
        calls: list[str] = []

        async def audited(msg: Any) -> None:
            if b".CONSUMER.LIST." in msg.data:
                calls.append(msg.subject)

        await nc.subscribe(AUDIT, cb=audited)
        await nc.flush()
        guard = ConsumerGuard(lambda: set())
        guard.js = js
        info = await js.stream_info(STREAM)
        listed = await guard._consumers(STREAM, info.state.consumer_count)
        await js.stream_info(STREAM)  # its advisory comes after the listing's
        await nc.flush()
        await asyncio.sleep(0.2)
        await nc.close()
        return len(listed), len(calls)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_stream_of_a_few_consumers_is_listed_in_one_call(tmp_path: Path) -> None:
    assert asyncio.run(_listing_calls(tmp_path, 4)) == (4, 1)


@pytest.mark.slow
def test_a_stream_of_more_than_a_page_is_listed_whole(tmp_path: Path) -> None:
    listed, calls = asyncio.run(_listing_calls(tmp_path, 300))
    assert listed == 300 and calls == 2
