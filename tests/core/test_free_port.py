"""The ports a relay keeps in its config for its servers (relay.config.free_port). A port the
kernel picked (a bind to port 0) comes from the range it also gives outgoing connections
their local ports from: by the time the server bound it, an ordinary connection could hold
it, and the relay's nats-server failed with "address already in use" (seen in the suite with
many relays starting at once). Ports are now taken below that range."""

from __future__ import annotations

import socket

from peers_tui.relay.config import PORTS_FROM, ephemeral_ports, free_port


def test_a_kept_port_is_free_and_never_one_the_kernel_hands_to_connections():
    low, high = ephemeral_ports()
    ports = [free_port() for _ in range(50)]
    assert all(PORTS_FROM <= port < low for port in ports), (low, high, ports)
    assert len(set(ports)) > 40  # spread out, not one port for every relay
    for port in ports[:5]:
        with socket.socket() as server:
            server.bind(("127.0.0.1", port))
            server.listen()


def test_a_port_taken_now_is_not_chosen():
    taken = []
    for _ in range(200):
        server = socket.socket()
        port = free_port()
        server.bind(("127.0.0.1", port))
        server.listen()
        taken.append(server)
    try:
        assert free_port() not in {server.getsockname()[1] for server in taken}
    finally:
        for server in taken:
            server.close()
