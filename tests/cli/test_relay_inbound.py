"""The hub's inbound streams, one a leaf (relay/inbound.py), across the hub relay's restarts:
a hub from before, with one `PEERS_IN` for every leaf holding records not applied yet,
retires and drains it and loses none; a revoked leaf's stream goes once drained.

Three hosts on loopback (hub A, leaves B and C, real nats-server and relays).
"""

from __future__ import annotations

import signal
from typing import Any

import pytest

from peers_tui.relay.envelope import IN_STREAM, IN_SUBJECTS
from peers_tui.relay.inbound import leaf_stream
from tests.cli.test_relay_attacks import three, through  # noqa: F401 (the fixture)
from tests.relay_helpers import bodies, wait_for

pytestmark = pytest.mark.slow


def inbound_streams(hub: Any, *, retry: bool = False) -> dict[str, Any]:
    """The hub's inbound streams by name. With `retry` (inside wait_for), {} while the hub's
    server does not answer: the relay restarts it to apply a revocation (seen in CI as a
    TimeoutError right after `relay revoke`)."""
    found: dict[str, Any] = {}

    async def read(nc: Any, js: Any) -> None:
        for info in await js.streams_info():
            if info.config.name.startswith(IN_STREAM):
                found[info.config.name] = info

    answer = through(hub, read)
    if retry and answer != "done":
        return {}
    assert answer == "done"
    return found


def test_a_hub_from_before_drains_its_shared_inbound_stream_and_loses_nothing(three):  # noqa: F811
    from nats.js.api import StreamConfig

    hosts, group_id = three
    hub, b, c = hosts
    alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
    assert set(inbound_streams(hub)) == {leaf_stream("B"), leaf_stream("C")}
    assert hub.process is not None
    hub.process.send_signal(signal.SIGSTOP)  # its server runs on: the streams as before

    async def as_before(nc: Any, js: Any) -> None:
        for name in (leaf_stream("B"), leaf_stream("C")):
            await js.delete_stream(name)
        await js.add_stream(StreamConfig(name=IN_STREAM, subjects=[IN_SUBJECTS]))

    try:
        assert through(hub, as_before) == "done"
        bob.ok("send", "team", "stored in the shared stream")
        wait_for(lambda: inbound_streams(hub)[IN_STREAM].state.messages >= 1, timeout=20,
                 what="bob's record in the shared PEERS_IN")
    finally:
        hub.process.send_signal(signal.SIGKILL)  # never applied: its server dies with it
        hub.process.wait(timeout=15)
        hub.process = None
    hub.start()
    wait_for(lambda: "stored in the shared stream" in bodies(alice)
             and "stored in the shared stream" in bodies(carol), timeout=40,
             what="the record left in the shared stream, applied after the update")
    wait_for(lambda: set(inbound_streams(hub, retry=True)) == {leaf_stream("B"), leaf_stream("C")},
             timeout=20, what="the drained shared stream deleted")
    carol.ok("send", "team", "into C's own stream")
    wait_for(lambda: "into C's own stream" in bodies(alice) and "into C's own stream"
             in bodies(bob), timeout=40, what="C's record through its own stream")
    assert hub.status()["rejected"] == {}


def test_a_revoked_leafs_stream_is_deleted_once_drained(three):  # noqa: F811
    hosts, group_id = three
    hub, b, c = hosts
    hub.peers().ok("relay", "revoke", "C")
    wait_for(lambda: set(inbound_streams(hub, retry=True)) == {leaf_stream("B")}, timeout=20,
             what="C's stream gone")
    b.users["bob"].ok("send", "team", "after C's revocation")
    wait_for(lambda: "after C's revocation" in bodies(hub.users["alice"]), timeout=40,
             what="B's record still applied")
