"""A relay's consumer waits for the next record on the subscription's queue, in its own task
(relay/waiting.next_record): nats-py's `next_msg` made two tasks a call and, raced against
the link moving, a record the connection's reader had queued reached the relay five turns of
the event loop later, on the hub and on every leaf, for every delivered message.

A real nats-server (the hub's relay's, alone).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import nats
import pytest
from nats.errors import ConnectionClosedError
from nats.js.api import StreamConfig

from peers_tui.relay.config import client_url, inbox_prefix, load_config
from peers_tui.relay.waiting import next_record, subscribe_ordered, watch
from tests.relay_helpers import federation, stop_all

pytestmark = pytest.mark.slow


def test_a_wait_makes_no_task_and_hands_a_record_over_two_turns_sooner(tmp_path):
    hub, = hosts = federation(tmp_path, ("A",))
    try:
        hub.start()

        async def run() -> dict[str, Any]:
            config = load_config(hub.hub)
            nc = await nats.connect(client_url(config), inbox_prefix=inbox_prefix(config.name))
            found: dict[str, Any] = {}
            try:
                js = nc.jetstream()
                await js.add_stream(StreamConfig(name="T", subjects=["t.>"]))
                sub = await subscribe_ordered(js, "t.>", "T", None)
                never = watch(asyncio.Event())
                turns = 0

                async def tick() -> None:
                    nonlocal turns
                    while True:
                        turns += 1
                        await asyncio.sleep(0)

                queue = sub._sub._pending_queue
                put, queued_at = queue.put_nowait, []

                def noted(msg: Any) -> None:  # when the connection's reader queues a record
                    queued_at.append(turns)
                    put(msg)

                queue.put_nowait = noted
                ticker = asyncio.ensure_future(tick())
                before = asyncio.all_tasks()
                waiting = asyncio.ensure_future(next_record(sub, 5.0, never))
                for _ in range(5):
                    await asyncio.sleep(0)
                found["tasks made by the wait"] = len(asyncio.all_tasks() - before - {waiting})
                await js.publish("t.x", b"one")
                msg = await waiting
                found["turns"] = turns - queued_at[0]
                found["data"] = msg.data
                found["pending"] = (sub._sub._pending_size, queue.qsize(), queue._unfinished_tasks)
                ticker.cancel()
                # a wait the link ends leaves the next record queued for the next call
                moved = asyncio.Event()
                asyncio.get_running_loop().call_later(0.05, moved.set)
                found["moved"] = await next_record(sub, None, watch(moved))
                await js.publish("t.x", b"two")
                found["next"] = (await next_record(sub, 5.0, never)).data
                found["timed out"] = await next_record(sub, 0.05, never)
                waiting = asyncio.ensure_future(next_record(sub, None, never))
                for _ in range(5):
                    await asyncio.sleep(0)
                await nc.close()
                try:
                    await waiting
                    found["closed"] = "returned"
                except ConnectionClosedError:
                    found["closed"] = "raised"
                never.cancel()
                return found
            finally:
                if not nc.is_closed:
                    await nc.close()

        found = asyncio.run(run())
        assert found["tasks made by the wait"] == 0, found  # 2 with nats-py's next_msg
        assert found["turns"] <= 3, found  # to the caller of the waiting task: 5 before
        assert found["data"] == b"one" and found["pending"] == (0, 0, 0), found
        assert found["moved"] is None and found["next"] == b"two", found
        assert found["timed out"] is None and found["closed"] == "raised", found
    finally:
        stop_all(hosts)


def test_the_link_moving_as_the_wait_runs_out_logs_no_traceback(tmp_path):
    """Fifteenth acceptance pass: the hub's relay, killed and started ten times while every
    host wrote, logged once "Exception in callback next_record.<locals>.stop ... RuntimeError:
    Cannot change state of expiring Timeout" with its traceback: the link moved (or the
    connection closed) in the same turn of the event loop as the wait's time ran out, and the
    callback rescheduled a timeout already expiring. Made certain here: the loop held up past
    the deadline, the link's future done just before the timeout fires."""
    hub, = hosts = federation(tmp_path, ("A",))
    try:
        hub.start()

        async def run() -> tuple[Any, list[dict[str, Any]]]:
            loop = asyncio.get_running_loop()
            errors: list[dict[str, Any]] = []
            loop.set_exception_handler(lambda _, context: errors.append(context))
            config = load_config(hub.hub)
            nc = await nats.connect(client_url(config), inbox_prefix=inbox_prefix(config.name))
            try:
                js = nc.jetstream()
                await js.add_stream(StreamConfig(name="T", subjects=["t.>"]))
                sub = await subscribe_ordered(js, "t.>", "T", None)
                moved: asyncio.Future[Any] = loop.create_future()
                waiting = asyncio.ensure_future(next_record(sub, 0.2, moved))
                for _ in range(5):
                    await asyncio.sleep(0)
                loop.call_at(loop.time(), moved.set_result, True)  # due before the deadline
                time.sleep(0.4)  # the loop held up: both due in one turn, the link's first
                found = await waiting
                for _ in range(5):
                    await asyncio.sleep(0)
                return found, errors
            finally:
                await nc.close()

        found, errors = asyncio.run(run())
        assert found is None
        assert errors == [], [str(e.get("exception")) for e in errors]
    finally:
        stop_all(hosts)
