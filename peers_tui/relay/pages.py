"""Reading one subject of the hub's federation stream by stream position, newest pages first.

JetStream consumers deliver forward only. A page is the records of one subject between two
stream positions: a short-lived pull consumer starts at the page's first position and is
dropped at its last (a push consumer would go on sending everything newer, page after page).
Walking back a page at a time gives a group's messages newest first; the size of the next
window (in stream positions) follows the density of the group's records in the last one, so
a group sharing the stream with busier ones still gets pages of about the size asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import nats
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, Header

from peers_tui.relay.client_errors import why_unanswered
from peers_tui.relay.config import RelayError
from peers_tui.relay.envelope import FED_STREAM, Envelope, EnvelopeError, from_message

FETCH = 1000  # records asked for at a time within a page
FETCH_TIMEOUT = 3.0
# A consumer left behind by a process that died is dropped by the server this much later.
INACTIVE = 20.0


class PageUnanswered(RelayError):
    """A page request nothing answered: read the page again later, from where the walk is."""


@dataclass(frozen=True)
class Bounds:
    """Where a subject's records lie in the stream: first and last position, and how many."""

    first: int
    last: int
    count: int


async def bounds(js: Any, subject: str) -> Bounds | None:
    """The subject's bounds, or None when the stream holds nothing on it."""
    try:
        info = await js.stream_info(FED_STREAM, subjects_filter=subject)
        count = sum((info.state.subjects or {}).values())
        if not count:
            return None
        last = (await js.get_last_msg(FED_STREAM, subject)).seq
        first = (await js.get_msg(FED_STREAM, seq=max(1, info.state.first_seq or 1),
                                  subject=subject, next=True)).seq
    except nats.errors.Error as exc:
        raise RelayError(f"the hub cannot be asked for {subject}: {why_unanswered(exc)}; "
                         "`peers relay status` shows the link") from exc
    return Bounds(int(first), int(last), count)


def _position(reply: str) -> tuple[int, int]:
    """(stream position, records pending) of a delivery, read off its reply subject as
    `msg.metadata` does, without the dataclasses and the datetime it builds for every record
    (~2 % of a backfill's event loop)."""
    tokens = Msg.Metadata._get_metadata_fields(reply)  # NotJSMessageError for anything else
    if len(tokens) == 9:  # the reply of a server without domains
        return int(tokens[5]), int(tokens[8])
    return int(tokens[Msg.Ack.StreamSeq]), int(tokens[Msg.Ack.NumPending])


class _Pull:
    """One pull consumer's deliveries, gathered by a callback. nats-py's `fetch` awaited
    `next_msg` for each record, which makes two tasks, a timer and a uuid per record: ~10 % of
    a backfill's event loop. Here the records land in a list as the client reads them, and
    the caller wakes once a request is answered (the batch filled, the range or the stream
    ended, or the server's status saying nothing more comes)."""

    def __init__(self, stop: int) -> None:
        self.stop = stop
        self.msgs: list[tuple[int, int, Any]] = []  # (position, pending, message)
        self.wanted = 0
        self.position = 0
        self.pending = 1
        self.answered: asyncio.Future[None] | None = None
        self.arrived = 0  # records delivered so far: a request still being answered is alive

    async def deliver(self, msg: Any) -> None:
        if msg.headers and msg.headers.get(Header.STATUS) and not msg.data:
            self._answer()  # 404 no messages, 408 expired, 409 ...: this request is over
            return
        self.position, self.pending = _position(msg.reply)
        self.msgs.append((self.position, self.pending, msg))  # read off its reply once
        self.arrived += 1
        if len(self.msgs) >= self.wanted or self.position >= self.stop or self.pending == 0:
            self._answer()

    def _answer(self) -> None:
        if self.answered is not None and not self.answered.done():
            self.answered.set_result(None)

    async def request(self, nc: Any, subject: str, inbox: str,
                      batch: int) -> list[tuple[int, int, Any]]:
        """Ask for `batch` more records; what arrived once the request is answered.

        A request nothing answers for FETCH_TIMEOUT (the link or the hub gone mid-page) is an
        error, never the end of the page: taken as the end, the walk went on below records it
        never received and the frontier closed over the hole. A request whose records are
        still arriving is waited for (a loaded host delivers a page slowly)."""
        self.wanted = len(self.msgs) + batch
        answered = self.answered = asyncio.get_running_loop().create_future()
        await nc.publish(subject, json.dumps({"batch": batch, "no_wait": True}).encode(), reply=inbox)
        while not answered.done():
            arrived = self.arrived
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(answered), FETCH_TIMEOUT)
            if not answered.done() and self.arrived == arrived:
                raise PageUnanswered(f"the hub did not answer a page request in {FETCH_TIMEOUT:.0f} s")
        taken, self.msgs = self.msgs, []
        return taken


async def read_range(js: Any, subject: str, start: int, stop: int) -> list[tuple[int, Envelope]]:
    """The records on `subject` at stream positions `start`..`stop`, in stream order, each with
    its position (messages that are not record envelopes are passed over)."""
    if stop < start:
        return []
    nc = js._nc
    name = nc._nuid.next().decode()  # as nats-py's pull_subscribe names its consumers
    config = ConsumerConfig(name=name, deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                            opt_start_seq=start, ack_policy=AckPolicy.NONE,
                            inactive_threshold=INACTIVE, filter_subject=subject)
    await js.add_consumer(FED_STREAM, config=config)
    pull = _Pull(stop)
    inbox = nc.new_inbox()  # under this host's inbox prefix (permissions.py)
    sub = await nc.subscribe(inbox, cb=pull.deliver)
    records: list[tuple[int, Envelope]] = []
    position = start - 1
    try:
        while position < stop:
            msgs = await pull.request(nc, f"{js._prefix}.CONSUMER.MSG.NEXT.{FED_STREAM}.{name}",
                                      inbox, min(FETCH, stop - position))
            pending = 0
            for position, pending, msg in msgs:
                if position > stop:
                    return records
                with contextlib.suppress(EnvelopeError):
                    records.append((position, from_message(msg.data, msg.headers, "")))
            if not msgs or pending == 0:
                return records
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
            await js.delete_consumer(FED_STREAM, name)
    return records


async def newest_first(js: Any, subject: str, below: int, first: int,
                       size: int) -> AsyncIterator[tuple[int, list[Envelope]]]:
    """Pages of about `size` records of `subject` at positions `first`..`below - 1`, the newest
    page first; each as (its lowest position, its records in stream order)."""
    high = below - 1
    window = size
    while high >= first:
        low = max(first, high - window + 1)
        page = await read_range(js, subject, low, high)
        yield low, [envelope for _, envelope in page]
        # The next window: as many positions as held `size` records in this one (bounded).
        density = len(page) / (high - low + 1)
        window = max(size, min(size * 64, int(size / density) if density else window * 4))
        high = low - 1
