"""A question to the hub's stream that gets no answer is said in words, not an exception's
class name (the tenth acceptance pass read "(ServiceUnavailableError)" from `peers join`)."""

from __future__ import annotations

import socket
import subprocess
import time

import nats
import pytest

from peers_tui.relay.config import RelayError
from peers_tui.relay.pages import bounds
from peers_tui.relay.server import server_binary
from peers_tui.testing.ports import leased_port


async def test_a_server_without_jetstream_is_said_in_words(tmp_path):
    port = leased_port()
    # A real nats-server with no JetStream: what a leaf's client meets when the hub's stream is
    # away (its relay and server down, or the link).
    server = subprocess.Popen([server_binary(), "-a", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "nats-server did not start"
                time.sleep(0.05)
        client = await nats.connect(f"nats://127.0.0.1:{port}")
        try:
            with pytest.raises(RelayError) as raised:
                await bounds(client.jetstream(timeout=2), "fed.g.x")
        finally:
            await client.close()
    finally:
        server.terminate()
        server.wait(10)
    words = str(raised.value)
    assert "does not answer" in words and "peers relay status" in words, words
    assert "Error" not in words, words
