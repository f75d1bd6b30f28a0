"""The transport alone, between the relays' own nats-servers: the relay figures' baselines.

- latency: plain nats-py publish on leaf B's server, subscribe on leaf C's server, so every
  message goes leaf -> hub -> leaf over the same leaf links the relays use (MULTIHOST.md
  measured 0.7 ms here);
- after a cut: the same number of records as the relay got, published during the cut into a
  plain JetStream stream on each side of it, and after the link returns, the time until each
  side has pulled the other side's stream across (an ordered consumer in the other domain,
  as MULTIHOST.md's "direct pull": 0.70 s there).
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

from benchmarks.common import percentile

SUBJECT = "bench.latency"
CUT_SUBJECT = "bench.cut.{side}"
CUT_STREAM = "BENCH_CUT_{side}"
PAYLOAD = b"x" * 400  # about one signed message record


async def _connect(port: int) -> Any:
    import nats

    return await nats.connect(f"nats://127.0.0.1:{port}", name="peers-bench",
                              max_reconnect_attempts=-1, reconnect_time_wait=0.1)


async def _latency(source_port: int, target_port: int, count: int) -> list[float]:
    source, target = await _connect(source_port), await _connect(target_port)
    arrived: dict[int, float] = {}
    got = asyncio.Event()

    async def on_message(msg: Any) -> None:
        arrived[int(msg.data.split(b" ", 1)[0])] = time.perf_counter()
        got.set()

    try:
        await target.subscribe(SUBJECT, cb=on_message)
        await target.flush()
        # Until the interest has crossed both leaf links (a probe arrives).
        deadline = time.monotonic() + 10
        while -1 not in arrived and time.monotonic() < deadline:
            await source.publish(SUBJECT, b"-1 probe")
            await source.flush()
            await asyncio.sleep(0.05)
        rng = random.Random(7)
        sent: dict[int, float] = {}
        for i in range(count):
            got.clear()
            sent[i] = time.perf_counter()
            await source.publish(SUBJECT, b"%d " % i + PAYLOAD)
            await source.flush()
            try:
                await asyncio.wait_for(got.wait(), 2)
            except asyncio.TimeoutError:
                pass
            await asyncio.sleep(rng.uniform(0.002, 0.006))
        return [(arrived[i] - sent[i]) * 1000 for i in sent if i in arrived]
    finally:
        await source.close()
        await target.close()


def latency_ms(source_port: int, target_port: int, count: int) -> dict[str, Any]:
    samples = asyncio.run(_latency(source_port, target_port, count))
    return {"samples_ms": samples, "missing": count - len(samples),
            "p50": percentile(samples, 50) if samples else None,
            "p99": percentile(samples, 99) if samples else None}


class CutBaseline:
    """Plain JetStream across the same cut: a stream on each side, records published into it
    while cut off, and after the link returns, each side pulls the other's stream."""

    def __init__(self, ports: dict[str, int], domains: dict[str, str | None]) -> None:
        self.ports = ports      # side -> its server's client port
        self.domains = domains  # side -> its JetStream domain

    async def prepare(self) -> None:
        from nats.js.api import StreamConfig

        for side, port in self.ports.items():
            nc = await _connect(port)
            try:
                await nc.jetstream().add_stream(StreamConfig(
                    name=CUT_STREAM.format(side=side), subjects=[CUT_SUBJECT.format(side=side)]))
            finally:
                await nc.close()

    async def write(self, count: int) -> None:
        """`count` records into each side's own stream (its own server: works while cut)."""
        for side, port in self.ports.items():
            nc = await _connect(port)
            try:
                js = nc.jetstream()
                subject = CUT_SUBJECT.format(side=side)
                for start in range(0, count, 256):
                    await asyncio.gather(*[js.publish(subject, b"%d " % i + PAYLOAD)
                                           for i in range(start, min(count, start + 256))])
            finally:
                await nc.close()

    async def reconnected(self, timeout: float) -> float:
        """Seconds until each side can ask the other side's JetStream across the link."""
        started = time.perf_counter()
        clients = {side: await _connect(port) for side, port in self.ports.items()}
        try:
            pending = set(self.ports)
            while pending and time.perf_counter() - started < timeout:
                for side in list(pending):
                    other = next(s for s in self.ports if s != side)
                    try:
                        await clients[side].jetstream(domain=self.domains[other]).stream_info(
                            CUT_STREAM.format(side=other))
                        pending.discard(side)
                    except Exception:  # noqa: BLE001 - not across yet
                        pass
                await asyncio.sleep(0.01)
            return time.perf_counter() - started
        finally:
            for nc in clients.values():
                await nc.close()

    async def pull_across(self, count: int) -> float:
        """Seconds for each side to read the other side's `count` records (both at once)."""
        from nats.js.api import ConsumerConfig, DeliverPolicy

        async def pull(side: str) -> None:
            other = next(s for s in self.ports if s != side)
            nc = await _connect(self.ports[side])
            try:
                js = nc.jetstream(domain=self.domains[other])
                sub = await js.subscribe(CUT_SUBJECT.format(side=other),
                                         stream=CUT_STREAM.format(side=other), ordered_consumer=True,
                                         config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL))
                for _ in range(count):
                    await sub.next_msg(timeout=10)
                await sub.unsubscribe()
            finally:
                await nc.close()

        started = time.perf_counter()
        await asyncio.gather(*[pull(side) for side in self.ports])
        return time.perf_counter() - started
