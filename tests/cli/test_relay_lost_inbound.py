"""A leaf's records lost with the hub's inbound stream (docs/relay.md, "Lost inbound records
recovered (h-lostinbound)").

A record a leaf published into its inbound stream at the hub (`PEERS_IN_<leaf>`) and the hub
had not applied yet when the hub's nats store was lost: the leaf took it as sent, the hub
never had it, so no host but the leaf ever did. Now the leaf keeps what it sent until the hub
has it, and sends again what a stream made anew lost.

Real nats-servers and relays on loopback (tests/relay_helpers.py): A the hub, B and C leaves.
The hub's relay is stopped (SIGSTOP) while its nats-server runs on and takes bob's two posts
into B's inbound stream; then the relay is killed (its server with it), its store deleted, and
the hub started again. Second case: the streams deleted under a running hub relay.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
from pathlib import Path

import pytest

from tests.relay_helpers import Host, bodies, three_hosts, wait_for

pytestmark = pytest.mark.slow


ALL_STREAMS = ["PEERS_FED", "PEERS_IN_B", "PEERS_IN_C", "PEERS_PRESENCE"]


def _sent(leaf: Host) -> bool:
    status = leaf.status()
    return status.get("unsent") == 0 and bool(status.get("link", {}).get("up"))


def _everywhere(users, texts: list[str]) -> None:
    for user in users:
        wait_for(lambda user=user: all(t in bodies(user) for t in texts), timeout=30,
                 what=f"{texts} on {user.name}'s host")


def test_records_in_the_hubs_lost_inbound_stream_are_sent_again(tmp_path):
    with three_hosts(tmp_path) as (hosts, _):
        hub, b, c = hosts
        alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
        assert hub.process is not None
        hub.process.send_signal(signal.SIGSTOP)  # its nats-server runs on, taking B's records
        try:
            bob.ok("send", "team", "lost one")
            bob.ok("send", "team", "lost two")
            wait_for(lambda: _sent(b), what="B's posts stored in its inbound stream")
        finally:
            hub.process.send_signal(signal.SIGKILL)  # its server dies with it (PDEATHSIG)
            hub.process.send_signal(signal.SIGCONT)
            hub.process.wait(timeout=15)
            hub.process = None
        wait_for(lambda: not b.link_up(), what="B's link down")
        shutil.rmtree(hub.hub / ".relay" / "js")  # the hub's JetStream store lost
        hub.start()
        wait_for(b.link_up, what="B's link again")
        everything = ["welcome", "lost one", "lost two"]
        _everywhere((alice, bob, carol), everything)
        bob.ok("send", "team", "after")
        _everywhere((alice, carol), ["after"])
        for user in (alice, bob, carol):  # each once
            assert sorted(bodies(user)) == sorted([*everything, "after"])
            assert user.ok("verify", "team").code == 0
        assert "sent again" in b.stderr()


def test_streams_deleted_under_a_running_hub_relay_are_made_again(tmp_path):
    with three_hosts(tmp_path) as (hosts, _):
        hub, b, c = hosts
        alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
        alice.ok("send", "team", "before")
        _everywhere((bob, carol), ["before"])
        assert hub.process is not None
        hub.process.send_signal(signal.SIGSTOP)  # B's post waits in its inbound stream
        try:
            bob.ok("send", "team", "in flight")
            wait_for(lambda: _sent(b), what="B's post stored in its inbound stream")
            # An operator deletes every stream (the relay's own credential: the hub's local
            # users may not): the hub's relay runs on.
            deleted = asyncio.run(_streams(hub, delete=True))
            assert {"PEERS_FED", "PEERS_IN_B", "PEERS_PRESENCE"} <= set(deleted)
        finally:
            hub.process.send_signal(signal.SIGCONT)
        _everywhere((alice, bob, carol), ["in flight"])
        assert "made again" in hub.stderr()
        wait_for(lambda: asyncio.run(_streams(hub)) == ALL_STREAMS, what="every stream again")
        carol.ok("send", "team", "later")
        _everywhere((alice, bob), ["later"])
        for user in (alice, bob, carol):
            assert sorted(bodies(user)) == sorted(["welcome", "before", "in flight", "later"])


async def _streams(hub: Host, delete: bool = False) -> list[str]:
    """The hub's peers streams, through its relay's own credential (deleted: `delete`)."""
    import nats

    from peers_tui.relay.config import client_url, load_config, relay_inbox_prefix

    config = load_config(hub.hub)
    nc = await nats.connect(client_url(config), inbox_prefix=relay_inbox_prefix(config))
    try:
        js = nc.jetstream()
        names = sorted(info.config.name for info in await js.streams_info()
                       if info.config.name.startswith("PEERS_"))
        for name in names if delete else []:
            await js.delete_stream(name)
        return names
    finally:
        await nc.close()


def test_a_hub_server_revived_with_an_empty_store_gets_its_streams_and_records_back(tmp_path):
    """The hub's nats-server killed alone and its store deleted: the running relay starts it
    again (LinkUpkeep._status_once), on an empty store. Before, nothing was made again until
    the relay's next start, and B's record stored in the lost inbound stream never arrived."""
    with three_hosts(tmp_path) as (hosts, _):
        hub, b, c = hosts
        alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
        assert hub.process is not None
        hub.process.send_signal(signal.SIGSTOP)  # so that it revives the server only after
        try:
            bob.ok("send", "team", "in the store")
            wait_for(lambda: _sent(b), what="B's post stored in its inbound stream")
            server = hub.nats_pid()
            os.kill(server, signal.SIGKILL)
            wait_for(lambda: not Path(f"/proc/{server}").exists() or "Z" in Path(
                f"/proc/{server}/stat").read_text().split(")")[1][:3], what="the server gone")
            shutil.rmtree(hub.hub / ".relay" / "js")
        finally:
            hub.process.send_signal(signal.SIGCONT)
        _everywhere((alice, bob, carol), ["in the store"])
        carol.ok("send", "team", "later")
        _everywhere((alice, bob), ["later"])
        for user in (alice, bob, carol):
            assert sorted(bodies(user)) == sorted(["welcome", "in the store", "later"])
        assert "made again" in hub.stderr()
        wait_for(lambda: asyncio.run(_streams(hub)) == ALL_STREAMS, what="every stream again")
