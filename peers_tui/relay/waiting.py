"""Waiting on a stream without a timer: the relay's consumers idle with no periodic wake-up.

- `subscribe_ordered`: an ordered push consumer as `js.subscribe(ordered_consumer=True)` makes
  it, less nats-py's flow-control poll (a task a consumer waking every 0.25 s, forever: 4 of
  the ~25 wake-ups a second an idle relay had, a consumer each). The relay reads every such
  consumer with `next_msg`, and nats-py answers flow control there (the reader's queue is
  empty, `PushSubscription.next_msg`) and when the request comes (everything delivered
  already, `Client._process_msg`): the poll only ever answered for callback subscriptions.
- `next_record`: the next message, or None once a time passed or an event (the link moved,
  `link.LinkState.moved`) is set.
"""

from __future__ import annotations

import asyncio
from typing import Any


async def subscribe_ordered(js: Any, subjects: str, stream: str, config: Any) -> Any:
    sub = await js.subscribe(subjects, stream=stream, ordered_consumer=True, config=config)
    state = getattr(getattr(sub, "_sub", None), "_jsi", None)  # nats-py 2.16's consumer state
    poll = getattr(state, "_fctask", None)
    if isinstance(poll, asyncio.Task):
        poll.cancel()
        state._fctask = None  # type: ignore[union-attr]  # unsubscribe() skips it then
    return sub


async def next_record(sub: Any, wait: float | None, moved: asyncio.Event) -> Any:
    """The next message of `sub`; None once `wait` seconds passed (None: no limit) or `moved`
    is set. A message is never lost: cancelled before it took one, the getter leaves it
    queued for the next call (asyncio.Queue), and one it took is returned. What `next_msg`
    raised (a closed connection) is raised here."""
    if sub.pending_msgs:  # queued already (a catch-up): nothing to race
        return await sub.next_msg(timeout=None)
    getter = asyncio.ensure_future(sub.next_msg(timeout=None))
    stop = asyncio.ensure_future(moved.wait())
    try:
        await asyncio.wait((getter, stop), timeout=wait, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
        if not getter.done():
            getter.cancel()
            await asyncio.wait((getter,))
    if getter.cancelled():
        return None
    return getter.result()


__all__ = ["next_record", "subscribe_ordered"]
