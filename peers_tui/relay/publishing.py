"""A chunk of records published to JetStream together (runner.Relay._send).

`asyncio.gather` makes a task of every publish, so that a chunk's records go out pipelined.
A chunk of one record (every live message: a leaf's publish of its user's post, the hub's
republish of it) needs none: its publish awaited in the caller's own task reaches the socket
a turn of the event loop sooner, and no task and no gathering future are made for it on
each hop of a delivery. The caller awaits what this returns at once either way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any


async def _alone(publish: Awaitable[Any]) -> list[Any]:
    return [await publish]


def publishing(publishes: list[Awaitable[Any]]) -> Awaitable[list[Any]]:
    """The acknowledgements of `publishes`, in their order, once all are in (as gather)."""
    if len(publishes) == 1:
        return _alone(publishes[0])
    return asyncio.gather(*publishes)


__all__ = ["publishing"]
