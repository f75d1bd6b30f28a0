"""Reading one subject of the hub's federation stream by stream position, newest pages first.

JetStream consumers deliver forward only. A page is the records of one subject between two
stream positions: a short-lived pull consumer starts at the page's first position and is
dropped at its last (a push consumer would go on sending everything newer, page after page).
Walking back a page at a time gives a group's messages newest first; the size of the next
window (in stream positions) follows the density of the group's records in the last one, so
a group sharing the stream with busier ones still gets pages of about the size asked for.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from peers_tui.relay.config import RelayError
from peers_tui.relay.envelope import FED_STREAM, Envelope, EnvelopeError, from_message

FETCH = 1000  # records asked for at a time within a page
FETCH_TIMEOUT = 3.0
# A consumer left behind by a process that died is dropped by the server this much later.
INACTIVE = 20.0


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
        raise RelayError(f"the hub cannot be asked for {subject} ({exc.__class__.__name__})") from exc
    return Bounds(int(first), int(last), count)


async def read_range(js: Any, subject: str, start: int, stop: int) -> list[tuple[int, Envelope]]:
    """The records on `subject` at stream positions `start`..`stop`, in stream order, each with
    its position (messages that are not record envelopes are passed over)."""
    if stop < start:
        return []
    config = ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=start,
                            ack_policy=AckPolicy.NONE, inactive_threshold=INACTIVE)
    sub = await js.pull_subscribe(subject, stream=FED_STREAM, config=config)
    records: list[tuple[int, Envelope]] = []
    position = start - 1
    try:
        while position < stop:
            try:
                msgs = await sub.fetch(batch=min(FETCH, stop - position), timeout=FETCH_TIMEOUT)
            except nats.errors.TimeoutError:
                return records  # nothing more on the subject
            for msg in msgs:
                position = msg.metadata.sequence.stream
                if position > stop:
                    return records
                with contextlib.suppress(EnvelopeError):
                    records.append((position, from_message(msg.data, msg.headers, "")))
            if not msgs or msgs[-1].metadata.num_pending == 0:
                return records
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
            await js.delete_consumer(FED_STREAM, sub._consumer)
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
