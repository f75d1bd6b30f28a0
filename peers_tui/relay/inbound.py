"""The hub's inbound streams: one a leaf, `PEERS_IN_<host>` on `peers.in.<host>.>`.

JetStream bounds a stream and a subject, not a user. With one `PEERS_IN` for every leaf, a
leaf spreading a flood over made-up group subjects filled the stream's `max_bytes`, and
every other leaf's publishes were refused until the hub had worked through the flood. A
stream a leaf makes each of its bounds (limits.py) that leaf's alone: its flood fills its
own stream, and refuses only its own publishes. A leaf's permissions (permissions.py) let it
publish only under `peers.in.<its host>.>`, so what a stream holds is its leaf's by
construction; no leaf may touch any stream's API.

The hub's relay consumes every inbound stream with an ordered consumer of its own (one task
a stream, `InboundStreams.supervise`), from its position in the ledger (`in.<host>`), and
purges what it applied from that stream (`InboundTrim`). A leaf given a token while the hub
runs gets its stream within a second (the supervisor sees the leaves change); a revoked
leaf's stream is consumed until empty (its records are refused: "holds no token") and then
deleted, its position with it.

Before: one `PEERS_IN` on `peers.in.>`, position `in`. A hub relay finding it retires its
subjects (nothing more lands there, its records stay), consumes what it still holds from
that position, and deletes it once empty: an update loses nothing a leaf had stored.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any

from peers_tui.relay.envelope import FED_STREAM, IN_STREAM, IN_SUBJECTS
from peers_tui.relay.limits import InboundTrim, inbound_stream

if TYPE_CHECKING:
    from peers_tui.relay.ledger import Ledger

# The one stream from before: subjects no leaf publishes on, so nothing more is stored there.
RETIRED_SUBJECTS = ["peers.retired.in"]
LEAF_PREFIX = f"{IN_STREAM}_"
LOOK_AGAIN = 10.0  # seconds between listings of the streams while nothing changed


def leaf_stream(host: str) -> str:
    return f"{LEAF_PREFIX}{host}"


def stream_host(stream: str) -> str | None:
    """The leaf an inbound stream is for; None for the stream from before (every leaf's)."""
    return stream[len(LEAF_PREFIX):] if stream.startswith(LEAF_PREFIX) else None


def stream_subjects(stream: str) -> str:
    host = stream_host(stream)
    return IN_SUBJECTS if host is None else f"peers.in.{host}.>"


def position_key(stream: str) -> str:
    """The ledger's key for how far a stream was applied (`in`: the stream from before)."""
    host = stream_host(stream)
    return "in" if host is None else f"in.{host}"


def is_inbound(stream: str) -> bool:
    return stream == IN_STREAM or stream.startswith(LEAF_PREFIX)


async def ensure_leaf_stream(js: Any, host: str, limits: dict[str, int] | None,
                             duplicate_window: float, max_consumers: int) -> None:
    """Leaf `host`'s stream made, or its bounds set on one made before (nats-server 2.15.1
    accepts the change on a live stream)."""
    import nats

    config = inbound_stream(leaf_stream(host), stream_subjects(leaf_stream(host)), limits,
                            duplicate_window, max_consumers)
    try:
        await js.add_stream(config)
    except nats.js.errors.BadRequestError:  # there already, with other bounds
        await js.update_stream(config)


async def retire_shared_stream(js: Any) -> None:
    """The single `PEERS_IN` of a hub from before, if any: its subjects moved off
    `peers.in.>` (which the leaves' streams take over), its records kept to be consumed."""
    import nats

    try:
        info = await js.stream_info(IN_STREAM)
    except nats.js.errors.NotFoundError:
        return
    if list(info.config.subjects or []) != RETIRED_SUBJECTS:
        info.config.subjects = list(RETIRED_SUBJECTS)
        await js.update_stream(info.config)


Step = Callable[[], Awaitable[None]]


class TakenFrom:
    """When the hub's intake last took a record of each group from each leaf's stream (in
    memory: a restarted hub relay knows of none until the leaf's next batch). What the
    stream holds does not say: the hub purges what it applied (InboundTrim); a join waits
    for an invite behind a leaf's recent records (invite_transit.py)."""

    def __init__(self) -> None:
        self.at: dict[tuple[str, str], float] = {}

    def took(self, leaf: str, group_id: str) -> None:
        self.at[(leaf, group_id)] = time.monotonic()

    def recent(self, leaf: str, group_id: str, within: float, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        return (leaf, group_id) in self.at and now - self.at[(leaf, group_id)] < within


class InboundStreams:
    """The hub relay's consumers of the inbound streams: one task a stream, started and
    stopped as streams come and go (a token made or revoked while running)."""

    def __init__(self, js: Any, ledger: Ledger, leaves: Callable[[], Iterable[str]],
                 consume: Callable[[str], Awaitable[None]],
                 forever: Callable[[Step, float], Coroutine[Any, Any, None]],
                 limits: dict[str, int] | None, duplicate_window: float,
                 max_consumers: int,
                 fed_seen: Callable[[Any], Awaitable[None]] | None = None,
                 made_again: Callable[[str], None] | None = None) -> None:
        self.js, self.ledger, self.leaves = js, ledger, leaves
        # Told of PEERS_FED as listed (None: missing), and of a leaf's stream made again
        # while running (relay/lost_inbound.py)
        self.fed_seen, self.made_again = fed_seen, made_again
        self.consume, self.forever = consume, forever
        self.stream_options = (limits, duplicate_window, max_consumers)
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.trims: dict[str, InboundTrim] = {}
        self.leaves_seen: set[str] = set()
        self.looked = 0.0
        self.taken = TakenFrom()  # when a group's record was taken from which leaf's stream

    def trim(self, stream: str) -> InboundTrim:
        """What purges `stream` of what the hub applied from it (limits.InboundTrim)."""
        if stream not in self.trims:
            self.trims[stream] = InboundTrim(stream)
        return self.trims[stream]

    async def start(self) -> None:
        await retire_shared_stream(self.js)
        for host in sorted(self.leaves()):
            await ensure_leaf_stream(self.js, host, *self.stream_options)
        await self.supervise()

    async def supervise(self) -> None:
        """Streams made for new leaves; a consumer task for every inbound stream; a drained
        stream of the past (the shared one, a revoked leaf's) deleted. The streams are
        listed (an API call, and an advisory the consumer guard reads) when the leaves
        changed, a consumer task ended or LOOK_AGAIN seconds passed, else nothing is asked."""
        leaves = set(self.leaves())
        if (leaves == self.leaves_seen and time.monotonic() - self.looked < LOOK_AGAIN
                and all(not task.done() for task in self.tasks.values())):
            return
        self.leaves_seen, self.looked = leaves, time.monotonic()
        listed = {info.config.name: info for info in await self.js.streams_info()}
        if self.fed_seen is not None:
            await self.fed_seen(listed.get(FED_STREAM))
        infos = {name: info for name, info in listed.items() if is_inbound(name)}
        for host in sorted(leaves - {stream_host(name) for name in infos}):
            await ensure_leaf_stream(self.js, host, *self.stream_options)
            infos[leaf_stream(host)] = await self.js.stream_info(leaf_stream(host))
            lost = self.tasks.pop(leaf_stream(host), None)
            if lost is not None:  # deleted under the running relay: its records with it
                lost.cancel()
                self.trims.pop(leaf_stream(host), None)
                self.ledger.set_position(position_key(leaf_stream(host)), 0)
                print(f"peers relay: the inbound stream {leaf_stream(host)} was gone: made "
                      "anew", file=sys.stderr, flush=True)
                if self.made_again is not None:
                    self.made_again(host)
        for name, info in sorted(infos.items()):
            drained = info.state.messages == 0
            if stream_host(name) not in leaves and drained:
                await self._drop(name)
            elif name not in self.tasks or self.tasks[name].done():
                key = position_key(name)
                if self.ledger.position(key) > info.state.last_seq:  # made again since
                    self.ledger.set_position(key, 0)
                self.tasks[name] = asyncio.create_task(self.forever(self._step(name), 0.25))
        for name in set(self.tasks) - set(infos):  # deleted by someone else
            self.tasks.pop(name).cancel()

    def _step(self, stream: str) -> Step:
        def step() -> Awaitable[None]:
            return self.consume(stream)
        step.__name__ = f"consume {stream}"
        return step

    async def _drop(self, stream: str) -> None:
        task = self.tasks.pop(stream, None)
        if task is not None:
            task.cancel()
            await asyncio.wait([task], timeout=2)
        await self.js.delete_stream(stream)
        self.ledger.set_position(position_key(stream), 0)
        self.trims.pop(stream, None)

    def cancel(self) -> list[asyncio.Task[None]]:
        tasks = list(self.tasks.values())
        for task in tasks:
            task.cancel()
        self.tasks.clear()
        return tasks


__all__ = ["InboundStreams", "ensure_leaf_stream", "is_inbound", "leaf_stream",
           "position_key", "retire_shared_stream", "stream_host", "stream_subjects"]
