"""A port of the relay's nats-server that another program holds when the relay starts.

A port is chosen free (relay.config.free_port, or the user's --listen / --client-port) and
bound by the server only later, so another program can take it in between. The client and
leaf ports are kept in the config (the leaf port in every token too): taken, `peers relay`
stops with one line naming the port. The monitoring port is chosen at each start and known
to nobody else: taken, the server is started again on another. A port bound without a
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
from peers_tui.relay.config import PORTS_FROM, free_port, load_config
from peers_tui.relay.server import NatsServer
from peers_tui.testing.ports import held_ports, lease, leased_port, release_ports
from tests.relay_helpers import REPO, Host, federation


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
def test_a_taken_client_port_stops_the_relay_with_one_line_naming_it(tmp_path, listening):
    hub, _ = federation(tmp_path)
    port = load_config(hub.hub).client_port
    with holder(port, listening):
        said = start_fails(hub)
    assert f"port {port} on 127.0.0.1, this relay's client port, is already in use" in said
    assert "config.json" in said


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
