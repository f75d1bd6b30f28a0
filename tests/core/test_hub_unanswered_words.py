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


def test_a_backfill_paused_by_the_hub_is_said_in_words():
    """The relay's log line for a backfill that stopped (the twenty-fifth session's acceptance
    pass read "ServiceUnavailableError: nats: ServiceUnavailableError: code=None ..." there
    while the hub was killed during a join's history)."""
    import asyncio
    import sqlite3

    import nats.js.errors

    from peers_tui.relay.client_errors import in_words

    unavailable = in_words(nats.js.errors.ServiceUnavailableError())
    assert unavailable.startswith("the hub's stream does not answer"), unavailable
    assert "code=None" not in unavailable
    assert in_words(asyncio.TimeoutError()).startswith("no answer in time")
    assert in_words(RelayError("the hub cannot be asked for x")) == "the hub cannot be asked for x"
    assert in_words(sqlite3.OperationalError("database is locked")) == \
        "OperationalError: database is locked"


def test_how_long_the_hub_has_been_unreachable_is_said_from_under_a_second():
    """"the hub A has been unreachable for 0s" (a link that had just dropped) is "<1s"; an
    hour is said in hours, as the TUI's link indicator says it (core.link_words.duration)."""
    from peers_tui.relay.config import ago

    now = time.time()
    assert [ago(now), ago(now - 5), ago(now - 187), ago(now - 3700), ago(None)] == \
        ["<1s", "5s", "3m07s", "1h01m", "?"]


async def test_a_relay_loops_trouble_is_said_in_words(capsys):
    """The relay's loops (relay/forever.py) report a step's trouble once a minute: a nats
    timeout read "publish_once: TimeoutError: nats: timeout" (twenty-fifth session's
    acceptance pass, the hub's relay after a SIGCONT)."""
    import asyncio

    import nats.errors

    from peers_tui.relay.forever import forever

    stopping = asyncio.Event()

    async def publish_once() -> None:
        stopping.set()
        raise nats.errors.TimeoutError

    await forever(stopping, publish_once, 0)
    said = capsys.readouterr().err
    assert said.startswith("peers relay: publish_once: no answer in time"), said
    assert "TimeoutError" not in said, said
