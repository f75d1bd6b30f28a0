"""Waiting on a stream without a timer: the relay's consumers idle with no periodic wake-up.

- `subscribe_ordered`: an ordered push consumer as `js.subscribe(ordered_consumer=True)` makes
  it, less nats-py's flow-control poll (a task a consumer waking every 0.25 s, forever: 4 of
  the ~25 wake-ups a second an idle relay had, a consumer each). nats-py answers the
  server's flow-control requests itself when one comes with everything delivered
  (`Client._process_msg`) and when `next_msg` empties the queue; what the poll added, an
  answer as soon as the reader took the record the request came after (so the server sends
  on while a backlog is still queued here), `answer_flow_control` gives after every take.
- `next_record`: the next message, or None once a time passed or an event (the link moved,
  `link.LinkState.moved`) is set; `take_queued`: one already queued.
- `within_stream`: a consumer's start inside its stream.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from nats.errors import ConnectionClosedError, Error


async def within_stream(js: Any, stream: str, position: int) -> int:
    """`position` (the last sequence applied), or 0 when it lies past the stream's end: the
    relay's ledger edited, or the stream made anew (the hub's store lost) while this host
    kept its number. A consumer started after it received nothing until the stream grew past
    it (on a leaf, what reached it came only through the census's refetch of a whole
    group: fourteenth attack pass, docs/relay.md); from the start, what is here already
    applies as duplicates. The hub's inbound streams are checked so in inbound.py."""
    if not position:
        return position
    try:
        last = int((await js.stream_info(stream)).state.last_seq or 0)
    except (Error, asyncio.TimeoutError):  # asked again at the next start
        return position
    if position <= last:
        return position
    print(f"peers relay: the position {position} in {stream} lies past the end of the stream "
          f"({last}): read from its start", file=sys.stderr, flush=True)
    return 0


async def subscribe_ordered(js: Any, subjects: str, stream: str, config: Any) -> Any:
    sub = await js.subscribe(subjects, stream=stream, ordered_consumer=True, config=config)
    state = getattr(getattr(sub, "_sub", None), "_jsi", None)  # nats-py 2.16's consumer state
    poll = getattr(state, "_fctask", None)
    if isinstance(poll, asyncio.Task):
        poll.cancel()
        state._fctask = None  # type: ignore[union-attr]  # unsubscribe() skips it then
    return sub


async def answer_flow_control(sub: Any) -> None:
    """nats-py 2.16's `check_flow_control_response`, at once instead of every 0.25 s."""
    inner = getattr(sub, "_sub", None)
    state = getattr(inner, "_jsi", None)
    if inner is None or state is None or not state._fcr:
        return
    if state._fciseq - inner._pending_queue.qsize() >= state._fcd:
        reply, state._fcr, state._fcd = state._fcr, None, 0
        await inner._conn.publish(reply)


async def take_queued(sub: Any) -> Any:
    """A message already queued (`sub.pending_msgs`), flow control answered."""
    inner = _inner(sub)
    if inner is None:
        msg = await sub.next_msg(timeout=None)
    else:
        msg = _taken(inner, inner._pending_queue.get_nowait())
    await answer_flow_control(sub)
    return msg


async def next_record(sub: Any, wait: float | None, moved: asyncio.Future[Any]) -> Any:
    """The next message of `sub`; None once `wait` seconds passed (None: no limit) or `moved`
    is done (`watch(event)`, made once for every wait of a consumer). A message is never
    lost: a wait that ends without one leaves it queued for the next call (asyncio.Queue). A
    closed connection raises nats' ConnectionClosedError, as `next_msg` does.

    The wait is on the subscription's queue itself, in the caller's task: nats-py's
    `next_msg` makes two tasks a call (its own and a `wait_for` inside), and racing it against
    `moved` a third wait; a record handed over by the connection's reader took five turns of
    the event loop to reach the caller, now one. Without nats-py 2.16's queue (another
    version), `next_msg` as before."""
    if sub.pending_msgs:  # queued already (a catch-up): nothing to race
        return await take_queued(sub)
    if moved.done():
        return None
    inner = _inner(sub)
    if inner is None:
        return await _next_by_task(sub, wait, moved)
    loop = asyncio.get_running_loop()
    closed: asyncio.Future[Any] = loop.create_future()  # nats-py cancels it on close
    key = f"peers-relay-{id(closed)}"
    inner._pending_next_msgs_calls[key] = closed
    waiting = True

    def stop(_: Any) -> None:
        # Not once the time ran out in the same turn (the scope expiring refuses it: the
        # fifteenth acceptance pass's traceback); the wait ends with None all the same.
        if waiting and not scope.expired():
            scope.reschedule(loop.time())

    try:
        async with asyncio.timeout(wait) as scope:
            moved.add_done_callback(stop)
            closed.add_done_callback(stop)
            try:
                msg = await inner._pending_queue.get()
            finally:
                waiting = False
                moved.remove_done_callback(stop)
                closed.remove_done_callback(stop)
    except TimeoutError:
        if inner._conn.is_closed:
            raise ConnectionClosedError from None
        return None
    finally:
        inner._pending_next_msgs_calls.pop(key, None)
    _taken(inner, msg)
    await answer_flow_control(sub)
    return msg


def _inner(sub: Any) -> Any:
    """nats-py 2.16's subscription under a JetStream push one, if it is that (its queue and
    the calls it cancels on close are what `next_record` waits on); else None."""
    inner = getattr(sub, "_sub", None)
    if (isinstance(getattr(inner, "_pending_queue", None), asyncio.Queue)
            and isinstance(getattr(inner, "_pending_next_msgs_calls", None), dict)
            and hasattr(inner, "_pending_size") and hasattr(inner, "_conn")):
        return inner
    return None


def _taken(inner: Any, msg: Any) -> Any:
    """What `next_msg` does with a message it took: its bytes no longer pending, the queue's
    count, the JetStream consumer marked active (its idle heartbeat check)."""
    inner._pending_size -= len(msg.data)
    inner._pending_queue.task_done()
    if inner._jsi is not None:
        inner._jsi._active = True
    return msg


async def _next_by_task(sub: Any, wait: float | None, moved: asyncio.Future[Any]) -> Any:
    getter = asyncio.ensure_future(sub.next_msg(timeout=None))
    try:
        await asyncio.wait((getter, moved), timeout=wait, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not getter.done():
            getter.cancel()
            await asyncio.wait((getter,))
    if getter.cancelled():
        return None
    msg = getter.result()  # or what next_msg raised (a closed connection)
    await answer_flow_control(sub)
    return msg


def watch(event: asyncio.Event) -> asyncio.Future[Any]:
    """A future done once `event` is set, for `next_record`; cancel it when done waiting."""
    return asyncio.ensure_future(event.wait())


__all__ = ["answer_flow_control", "next_record", "subscribe_ordered", "take_queued", "watch"]
