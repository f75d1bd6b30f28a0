"""On the hub: each leaf's link, up or down since when and its round trip.

The hub's nats-server knows its leaf connections; it tells them on its monitoring endpoint
(`/leafz`, served on 127.0.0.1 only). The relay asks once a second and keeps, for every leaf
that holds a token, whether it is connected now and since when — the connection list is the
proof of a cut, not a guess from missing traffic.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

LEAFZ_TIMEOUT = 0.5
_DURATION = re.compile(r"([0-9.]+)(ns|µs|us|ms|s|m|h)")
_UNIT_MS = {"ns": 1e-6, "µs": 1e-3, "us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4, "h": 3.6e6}


def duration_ms(text: object) -> float | None:
    """nats-server's Go durations ("311µs", "1.2ms", "1m2.5s") in milliseconds."""
    if not isinstance(text, str):
        return None
    parts = _DURATION.findall(text)
    if not parts:
        return None
    return sum(float(number) * _UNIT_MS[unit] for number, unit in parts)


def connected_leaves(leafz: dict[str, Any]) -> dict[str, float | None]:
    """Leaf server name -> round trip (ms) from a `/leafz?rtt=1` answer."""
    found: dict[str, float | None] = {}
    for leaf in leafz.get("leafs") or ():
        if isinstance(leaf, dict) and isinstance(leaf.get("name"), str):
            found[leaf["name"]] = duration_ms(leaf.get("rtt"))
    return found


async def fetch_leafz(port: int) -> dict[str, Any]:
    """GET /leafz from this host's nats-server monitoring port (plain HTTP/1.0 on loopback)."""
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection("127.0.0.1", port), LEAFZ_TIMEOUT)
    try:
        writer.write(b"GET /leafz?rtt=1 HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), LEAFZ_TIMEOUT)
    finally:
        writer.close()
    _, _, body = answer.partition(b"\r\n\r\n")
    data = json.loads(body)
    return data if isinstance(data, dict) else {}


class LeafLinks:
    """Every known leaf's link as the hub's server sees it."""

    def __init__(self) -> None:
        self.links: dict[str, dict[str, Any]] = {}

    def update(self, known: list[str], connected: dict[str, float | None]) -> bool:
        """Take one observation; True when some leaf came or went."""
        now = time.time()
        changed = False
        for name in known:
            up = name in connected
            link = self.links.get(name)
            if link is None or link["up"] != up:
                self.links[name] = {"up": up, "since": now, "rtt_ms": None}
                changed = True
            self.links[name]["rtt_ms"] = connected.get(name)
        for gone in set(self.links) - set(known):  # a revoked token
            del self.links[gone]
            changed = True
        return changed

    async def observe(self, monitor_port: int, leaves: dict[str, str]) -> bool:
        """Ask the server once; True when some leaf came or went."""
        try:
            connected = connected_leaves(await fetch_leafz(monitor_port))
        except (OSError, ValueError, asyncio.TimeoutError):
            return False  # the server restarting (a token made or revoked): ask again later
        return self.update(sorted(leaves), connected)

    def snapshot(self) -> dict[str, dict[str, Any]]:
        return {name: dict(link) for name, link in sorted(self.links.items())}
