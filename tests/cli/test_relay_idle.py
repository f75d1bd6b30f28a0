"""An idle relay sleeps: it wakes for a record, a file written, a link that moves, and a few
slow looks, not on quarter-second timers (R3 of the benchmarks: <= 1 % of a core). What users
see of the link stays as fresh: a cut shows in `peers relay status` within a few seconds, and
an idle relay's status is never taken for a dead one's."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js.api import StreamConfig

from peers_tui.relay.config import client_url, inbox_prefix, load_config
from peers_tui.relay.waiting import next_record, subscribe_ordered, watch
from tests.cli.test_relay_partition import through_proxy
from tests.relay_helpers import federation, stop_all, wait_for

SETTLE_S = 3.0
WINDOW_S = 5.0
# Wake-ups a second of an idle relay's threads (voluntary context switches: each time the
# event loop blocks in epoll and is woken). Measured, hub A with leaf B, load 8-10: A 18.6 and
# B 16.8 before (timers of 0.25 s everywhere), A 7.2 and B 4.2 after.
MOST_WAKEUPS_A_SECOND = 11


def wakeups(pid: int) -> int:
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        for line in (task / "status").read_text().splitlines():
            if line.startswith("voluntary_ctxt_switches:"):
                total += int(line.split()[1])
    return total


def test_an_idle_relay_sleeps_between_its_looks(tmp_path):
    hosts = federation(tmp_path, ("A", "B"))
    hub, leaf = hosts
    try:
        for host in hosts:
            host.start()
        wait_for(leaf.link_up, what="B's link")
        time.sleep(SETTLE_S)
        pids = {host.name: host.process.pid for host in hosts}
        before = {name: wakeups(pid) for name, pid in pids.items()}
        started = time.monotonic()
        time.sleep(WINDOW_S)
        rates = {name: (wakeups(pid) - before[name]) / (time.monotonic() - started)
                 for name, pid in pids.items()}
        assert max(rates.values()) <= MOST_WAKEUPS_A_SECOND, rates
        assert leaf.link_up() and hub.status()["running"]  # idle, not stalled
    finally:
        stop_all(hosts)


def test_a_cut_shows_at_once_and_an_idle_relay_is_never_taken_for_a_dead_one(tmp_path):
    hub, leaf = hosts = federation(tmp_path, ("A", "B"))
    proxy = through_proxy(leaf, hub)
    try:
        for host in hosts:
            host.start()
        wait_for(leaf.link_up, what="B's link")
        # Idle longer than a status may be old (hub_reach.STALE_STATUS, 5 s): still running.
        deadline = time.monotonic() + 7.0
        while time.monotonic() < deadline:
            assert leaf.status()["running"] and hub.status()["running"]
            time.sleep(0.5)
        status_file = leaf.hub / ".relay" / "status.json"
        proxy.cut()
        cut_at = time.time()
        wait_for(lambda: not json.loads(status_file.read_text())["link"]["up"], timeout=4.0,
                 what="B's status to show the cut")
        assert json.loads(status_file.read_text())["link"]["since"] - cut_at < 3.0
        assert "link to hub A: down for" in leaf.peers().ok("relay", "status").out
        proxy.restore()
        wait_for(lambda: json.loads(status_file.read_text())["link"]["up"], timeout=3.0,
                 what="B's status to show the link back")
    finally:
        stop_all(hosts)
        proxy.close()


def test_a_consumer_without_the_flow_control_poll_reads_a_backlog_and_loses_no_record(tmp_path):
    """nats-py's ordered consumer answers flow control from a 0.25 s poll; `subscribe_ordered`
    cancels the poll. The answers `next_msg` gives must keep a backlog far past the server's
    window flowing (it stalls after ~2 MB unanswered), and a wait ended by the link moving
    must leave the next record for the next call."""
    hub, = hosts = federation(tmp_path, ("A",))
    count, size = 400, 16_000
    try:
        hub.start()

        async def run() -> tuple[int, Any, Any, bool]:
            config = load_config(hub.hub)
            nc = await nats.connect(client_url(config), inbox_prefix=inbox_prefix(config.name))
            try:
                js = nc.jetstream()
                await js.add_stream(StreamConfig(name="T", subjects=["t.>"]))
                for start in range(0, count, 100):
                    await asyncio.gather(*[js.publish("t.x", bytes(size))
                                           for _ in range(start, min(count, start + 100))])
                sub = await subscribe_ordered(js, "t.>", "T", None)
                never = watch(asyncio.Event())
                read = 0
                while read < count:
                    msg = await next_record(sub, 5.0, never)
                    if msg is None:
                        break  # stalled: no flow control answer
                    read += 1
                    if read % 50 == 0:
                        await asyncio.sleep(0.05)  # a slow reader: requests come mid-queue
                event = asyncio.Event()
                asyncio.get_running_loop().call_later(0.1, event.set)
                waited = await next_record(sub, None, watch(event))  # ends on it, no record
                await js.publish("t.x", b"after")
                after = await next_record(sub, 5.0, never)
                never.cancel()
                poll = getattr(sub._sub._jsi, "_fctask", None)
                await sub.unsubscribe()
                return read, waited, after, poll is None
            finally:
                await nc.close()

        read, waited, after, no_poll = asyncio.run(run())
        assert read == count, f"stalled after {read} of {count}"
        assert waited is None and after is not None and after.data == b"after"
        assert no_poll
    finally:
        stop_all(hosts)


@pytest.mark.slow
@pytest.mark.serial
def test_records_written_offline_show_as_unsent_soon_after_an_idle_link_drops(tmp_path):
    """The link reporter sleeps while idle (up to the 5 s heartbeat); the link going down must
    wake it to count what is written offline every quarter second, not after that sleep."""
    from peers_tui.core.link_state import read_link_state

    hub, leaf = hosts = federation(tmp_path, ("A", "B"))
    try:
        alice, bob = hub.user("alice"), leaf.user("bob")
        group_id = alice.ok("create", "team").out.strip()
        code = alice.ok("invite", "team").out.strip()
        for host in hosts:
            host.start()
        wait_for(leaf.link_up, what="B's link")
        wait_for(lambda: bob.run("join", code).code == 0, what="bob's join")
        for _ in range(3):  # the link just up: the reporter sleeps toward its 5 s heartbeat
            hub.stop()
            wait_for(lambda: not read_link_state(leaf.hub).up, what="B offline")
            bob.ok("send", "team", "offline")
            written = time.monotonic()
            wait_for(lambda: (read_link_state(leaf.hub).group(group_id) or _NONE).unsent == 1,
                     timeout=10, what="1 unsent")
            assert time.monotonic() - written < 2.0
            hub.start()
            wait_for(lambda: read_link_state(leaf.hub).up
                     and (read_link_state(leaf.hub).group(group_id) or _NONE).unsent == 0,
                     what="sent again")
    finally:
        stop_all(hosts)


class _NONE:
    unsent = None
