"""On the hub: each leaf's link, up or down since when and its round trip.

The hub's nats-server knows its leaf connections; it tells them on its monitoring endpoint
(`/leafz`, served on 127.0.0.1 only). The relay asks once a second (on one kept-alive
connection) and keeps, for every leaf
that holds a token, whether it is connected now and since when — the connection list is the
proof of a cut, not a guess from missing traffic. Its round trip is the one the leaf's relay
carries in its pings (leaf_heard.py), the server's own only from a leaf that carries none.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

from peers_tui.relay.leaf_heard import LeafHeard

LEAFZ_TIMEOUT = 0.5
LEAFZ_REQUEST = b"GET /leafz?rtt=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
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


def _leafz(body: bytes) -> dict[str, Any]:
    data = json.loads(body)
    return data if isinstance(data, dict) else {}


class LeafzConnection:
    """GET /leafz again and again on one kept-alive HTTP/1.1 connection: a new connection a
    second (connect, accept, close on both sides) was most of what watching the leaves cost
    the hub's relay idle (R3). Dropped on any trouble, opened again on the next ask."""

    def __init__(self) -> None:
        self.port = 0
        self.stream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, port: int) -> dict[str, Any]:
        if self.stream is not None and port != self.port:
            self.close()  # the server restarted on another monitoring port
        try:
            return _leafz(await asyncio.wait_for(self._ask(port), LEAFZ_TIMEOUT))
        except BaseException:
            self.close()
            raise

    async def _ask(self, port: int) -> bytes:
        if self.stream is None:
            self.stream, self.port = await asyncio.open_connection("127.0.0.1", port), port
        reader, writer = self.stream
        writer.write(LEAFZ_REQUEST)
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        headers = dict(line.partition(":")[::2] for line in head.split("\r\n")[1:] if line)
        if "close" in headers.get("connection", ""):
            body = await reader.read()
            self.close()
            return body
        if "chunked" in headers.get("transfer-encoding", ""):  # a long answer (Go's net/http)
            body = b""
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                body += (await reader.readexactly(size + 2))[:-2]
            await reader.readuntil(b"\r\n")  # the empty trailer
            return body
        return await reader.readexactly(int(headers.get("content-length", "0")))

    def close(self) -> None:
        if self.stream is not None:
            self.stream[1].close()
        self.stream = None


# Seconds after the hub's relay restarted its server (a token made or revoked: server.py) in
# which a leaf that was up and is not back yet keeps its link and "since": every leaf drops
# then and reconnects within its 250 ms, where the leaf's own side calls a cut only after
# three failed probes (link.py). A restart reset every leaf's "since" at the hub (the seventh
# acceptance pass) while the leaves kept theirs. Still away after it: down since the restart.
RESTART_GRACE = 3.0


class LeafLinks:
    """Every known leaf's link as the hub's server sees it."""

    def __init__(self) -> None:
        self.links: dict[str, dict[str, Any]] = {}
        self.leafz = LeafzConnection()
        self.restart_at: float | None = None
        self.heard = LeafHeard()  # each leaf's relay heard (its pings), beside its link
        self.silent: set[str] = set()  # the leaves silent at the last look

    def restarted(self) -> None:
        """The hub's relay restarted its server just now (RESTART_GRACE)."""
        self.restart_at = time.time()

    def update(self, known: list[str], connected: dict[str, float | None]) -> bool:
        """Take one observation; True when some leaf came or went."""
        now = time.time()
        after = None if self.restart_at is None else now - self.restart_at
        changed = False
        for name in known:
            up = name in connected
            link = self.links.get(name)
            since = now
            if link is not None and link["up"] and not up and after is not None:
                if after < RESTART_GRACE:
                    continue  # dropped by the restart a moment ago: back within its grace
                if after < RESTART_GRACE + 2.0 and self.restart_at is not None:
                    since = self.restart_at  # never back since the restart
            if link is None or link["up"] != up:
                self.links[name] = {"up": up, "since": since, "rtt_ms": None}
                changed = True
                if up:
                    self.heard.linked(name)
            # The leaf's own measure, current (carried in its pings: leaf_heard.py), before
            # the server's, measured at the link's start and again only when it was idle
            carried = self.heard.rtt_ms(name, now)
            self.links[name]["rtt_ms"] = connected.get(name) if carried is None else carried
        for gone in set(self.links) - set(known):  # a revoked token
            del self.links[gone]
            changed = True
        silent = {name for name, link in self.links.items()
                  if link["up"] and self.heard.silent_since(name, now) is not None}
        changed |= silent != self.silent  # silent now, or heard again: said at once
        self.silent = silent
        return changed

    async def observe(self, monitor_port: int, leaves: dict[str, str]) -> bool:
        """Ask the server once; True when some leaf came or went."""
        self.heard.look()  # a look late by more than a second: the hub was held (leaf_heard)
        try:
            connected = connected_leaves(await self.leafz.get(monitor_port))
        except (OSError, ValueError, EOFError, asyncio.TimeoutError, asyncio.LimitOverrunError):
            return False  # the server restarting (a token made or revoked): ask again later
        return self.update(sorted(leaves), connected)

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Each leaf's link; `silent_since` beside `up` where its relay is not heard."""
        return {name: {**link, "silent_since": self.heard.silent_since(name) if link["up"]
                       else None} for name, link in sorted(self.links.items())}
