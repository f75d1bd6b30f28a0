"""A port of the relay's nats-server that another program holds when the relay starts.

A port is chosen free (relay.config.free_port, or the user's --listen / --client-port) and
bound by the server only later, so another program can take it in between. The client and
leaf ports are kept in the config. The client port listens on 127.0.0.1 only and every
local client reads it from the config: taken, the relay moves it to a free one, stores it and
says so in one line. The leaf port is in every token: taken, `peers relay` stops with one line
naming it. The monitoring port is chosen at each start and known to nobody else: taken, the
server is started again on another. A port bound without a
listener (taken in the instant between the relay's check and the server's bind) is caught
from the server's own log line, not mistaken for a server of ours.

The tests' own ports are leased (peers_tui.testing.ports): no two processes on the machine
hold one at once, the collisions the suite saw with many relays starting together.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from peers_tui.relay import server as server_module
from peers_tui.relay.config import PORTS_FROM, config_path, free_port, load_config
from peers_tui.relay.server import NatsServer
from peers_tui.testing.ports import held_ports, lease, leased_port, release_ports
from tests.relay_helpers import REPO, Host, federation, start_linked, stop_all, wait_for


def holder(port: int, listening: bool) -> socket.socket:
    """Another program's socket on 127.0.0.1:`port` (bound only: the instant before listen)."""
    taken = socket.socket()
    taken.bind(("127.0.0.1", port))
    if listening:
        taken.listen()
    return taken


def start_fails(host: Host) -> str:
    result = host.peers().spawn("relay", timeout=30)
    assert result.code != 0, result.out
    assert "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    return lines[0]


@pytest.mark.parametrize("listening", [True, False], ids=["listening", "bound"])
def test_a_taken_client_port_moves_to_a_free_one_and_every_client_follows(tmp_path, listening):
    """Another program holds both hosts' client ports when their relays start (before: the
    start stopped with "port N ... is already in use"). Each relay moves its own to a free
    port, stores it and says so in one line; the local clients that read the config (the
    leaf's one-shot fetch and its membership requests to the hub, `relay status`) and the
    hub's relay reach the servers on the new ports; the next start keeps the stored one."""
    hub, leaf = hosts = federation(tmp_path)
    alice, bob = hub.user("alice"), leaf.user("bob")
    alice.ok("create", "team")
    code = alice.ok("invite", "team").out.strip()
    before = {host.name: load_config(host.hub).client_port for host in hosts}
    try:
        with holder(before["A"], listening), holder(before["B"], listening):
            start_linked(hosts)
            for host in hosts:
                moved = load_config(host.hub).client_port
                assert moved != before[host.name]
                said = [line for line in host.stderr().splitlines() if "client port" in line
                        and "running" not in line]
                assert said == [
                    f"peers relay: port {before[host.name]} on 127.0.0.1, this relay's client "
                    f"port, is in use by another program; moved to {moved} (saved in "
                    f"{config_path(host.hub)})"], host.stderr()
                assert f"client port 127.0.0.1:{moved}" in host.stderr()
                assert "Traceback" not in host.stderr()
            bob.ok("join", code)  # the group fetched through B's relay, the join ordered
            bob.ok("id", "--handle", "bobby")  # a membership change the hub orders
            wait_for(lambda: {m["handle"] for m in alice.ok("members", "team", "--json").json()}
                     == {"alice", "bobby"}, what="bob's join and handle at the hub")
            assert leaf.status()["running"] and leaf.link_up()
            moved_b = load_config(leaf.hub).client_port
            leaf.stop()
            leaf.start()  # the stored port is free: kept, nothing said
            assert load_config(leaf.hub).client_port == moved_b
            assert leaf.stderr().count("moved to") == 1
    finally:
        stop_all(hosts)


@pytest.mark.parametrize("listening", [True, False], ids=["listening", "bound"])
def test_a_taken_leaf_port_stops_the_hub_with_one_line_naming_it(tmp_path, listening):
    hub, _ = federation(tmp_path)
    listen = load_config(hub.hub).leaf_listen
    with holder(int(listen.rpartition(":")[2]), listening):
        said = start_fails(hub)
    assert f"the leaf port {listen} (relay init --listen, in every token) is already in use" \
        in said


def test_a_taken_monitoring_port_is_replaced_by_another(tmp_path, monkeypatch):
    """The first monitoring port chosen is held by another program when the server binds it:
    the server starts on another (before: "nats-server exited at start (code 1)")."""
    hub, _ = federation(tmp_path)
    taken = holder(free_port(), listening=False)
    chosen = iter([taken.getsockname()[1]])
    monkeypatch.setattr(server_module, "free_port", lambda: next(chosen, None) or free_port())
    server = NatsServer(load_config(hub.hub), hub.hub)
    try:
        server.start()
        assert server.monitor_port not in (0, taken.getsockname()[1])
        assert f"{taken.getsockname()[1]}: bind: address already in use" in server.log_text()
        assert server.process is not None and server.process.poll() is None
    finally:
        server.stop()
        taken.close()


def test_a_leased_port_is_no_other_process_s_until_given_back():
    port = leased_port()
    assert 1024 < port < PORTS_FROM  # never one peers itself chooses (relay.config.free_port)
    other = [sys.executable, "-c", "import sys; from peers_tui.testing.ports import lease; "
             f"sys.exit(0 if lease({port}) else 3)"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    assert subprocess.run(other, env=env, timeout=30).returncode == 3
    assert not lease(port)  # nor a second time in this process
    kept = leased_port()  # a module's fixture's, say: its servers run on after this test
    release_ports(keep={kept})
    assert subprocess.run(other, env=env, timeout=30).returncode == 0
    assert held_ports() == {kept} and not lease(kept)
