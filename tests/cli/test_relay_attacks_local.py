"""A Unix user of the hub host itself turned hostile: it reaches the hub's nats-server on
loopback, as every local process does, but without the relay's own credential
(`config.client_url`, in `<hub>/.relay/`, mode 0700). It may do nothing: no read of the
federation's groups (h-leafusers: it read those it is no member of; a join's fetch, which
needed it, is the relay's now, relay/desk.py), no records past the hub's checks, none in
another host's name, no answer in the sequencer's place, no purge or delete (server.py,
permissions.local_permissions).

Same three hosts as test_relay_attacks.py (hub A, leaves B and C), made once for both tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import nats

from peers_tui.relay.envelope import FED_STREAM, fed_subject, in_subject
from peers_tui.relay.inbound import leaf_stream
from tests.cli.test_relay_attacks import (  # noqa: F401 (shared_three is a fixture)
    crosses, drained, forgery, shared_three, through,
)
from tests.relay_helpers import bodies, wait_for

# A write the local user may not make: the server drops it (the client waits for no ack), or
# JetStream's own refusal.
REFUSED = {"TimeoutError", "NoRespondersError", "ServiceUnavailableError", "NoStreamResponseError"}


def test_a_local_user_of_the_hub_host_may_neither_read_nor_write_the_federation(shared_three):
    from nats.js.api import StreamConfig

    hosts, group_id = shared_three
    hub, b, c = hosts
    forged = forgery(hosts, group_id, "from a local user of the hub host", origin="B")
    counts: dict[str, int] = {}

    async def stored(nc: Any, js: Any) -> None:
        for stream in (leaf_stream("B"), leaf_stream("C"), FED_STREAM):
            counts[stream] = (await js.stream_info(stream)).state.messages

    def publishing(subject: str) -> Callable[[Any, Any], Awaitable[Any]]:
        async def action(nc: Any, js: Any) -> None:
            await js.publish(subject, forged.payload(), headers=forged.headers(), timeout=1.0)
        return action

    async def read(nc: Any, js: Any) -> None:  # as a leaf may (and `peers join` did)
        from peers_tui.relay.config import RelayError
        from peers_tui.relay.fetch import read_group

        try:
            read_back.extend(await read_group(nc.jetstream(timeout=1.0), group_id))
        except RelayError as exc:  # (its nats error, said in words)
            raise nats.errors.TimeoutError() from exc

    read_back: list[Any] = []
    assert through(hub, read, as_relay=False) != "done"
    assert read_back == []
    assert through(hub, read) == "done"  # the relay's credential reads it
    assert any("welcome" in envelope.text for envelope in read_back)
    drained(hub)
    assert through(hub, stored) == "done"
    before = dict(counts)
    # The server drops the API requests it refuses and the client waits its timeout out: 1 s,
    # not nats-py's 5. A success slower than that would also end in a timeout, so what each
    # would have done is looked for afterwards: the counts (purge, delete) and no stream EVIL.
    attacks: dict[str, Callable[[Any, Any], Awaitable[Any]]] = {
        "into the federation": publishing(fed_subject(group_id, "msg")),
        "in C's name": publishing(in_subject("C", group_id)),
        "purge the federation": lambda nc, js: nc.jetstream(timeout=1.0).purge_stream(FED_STREAM),
        "delete the inbound stream": lambda nc, js: nc.jetstream(timeout=1.0).delete_stream(
            leaf_stream("B")),
        "a stream of its own": lambda nc, js: nc.jetstream(timeout=1.0).add_stream(
            StreamConfig(name="EVIL", subjects=["peers.order.>"])),
    }
    outcomes = {name: through(hub, attack, as_relay=False) for name, attack in attacks.items()}
    assert {name: outcome for name, outcome in outcomes.items() if outcome not in REFUSED} == {}
    assert through(hub, stored) == "done"
    assert counts == before
    assert through(hub, lambda nc, js: js.stream_info("EVIL")) == "NotFoundError"

    # Listening for the sequencer's requests (to answer them first): nothing comes.
    heard: list[bytes] = []

    async def listen(nc: Any, js: Any) -> None:
        async def keep(msg: Any) -> None:
            heard.append(msg.data)

        await nc.subscribe("peers.order.>", cb=keep)
        await nc.subscribe("peers.in.>", cb=keep)
        await asyncio.sleep(0.3)
        await asyncio.to_thread(c.users["carol"].ok, "id", "--handle", "caroline")
        await asyncio.sleep(0.3)

    assert through(hub, listen, as_relay=False) == "done"
    assert heard == []
    crosses(hosts, "still federated")
    for user in (hub.users["alice"], b.users["bob"], c.users["carol"]):
        assert "from a local user of the hub host" not in bodies(user)
    wait_for(lambda: "caroline" in hub.users["alice"].ok("members", "team").out,
             what="carol's handle change ordered by the hub")


def test_a_local_user_of_the_hub_host_cannot_read_the_hub_relays_replies(shared_three):
    """The hub relay's replies and consumer deliveries (PEERS_IN's records, publish acks,
    stream answers) go to an inbox of its own, `_RELAY_<hub>` (config.relay_inbox_prefix), not
    to `_INBOX_<hub>`, which every local process may read (`peers join` gets its replies
    there); a local user may not subscribe under the relay's."""
    import nats

    from peers_tui.relay.config import load_config, relay_inbox_prefix

    hosts, group_id = shared_three
    hub, _, _ = hosts
    own = relay_inbox_prefix(load_config(hub.hub))
    heard: list[str] = []
    errors: list[str] = []

    async def listen(nc: Any, js: Any) -> None:
        async def keep(msg: Any) -> None:
            heard.append(msg.subject)

        await nc.subscribe(f"{own}.>", cb=keep)
        await nc.subscribe("_INBOX_A.>", cb=keep)
        await nc.subscribe("_INBOX.>", cb=keep)
        await nc.flush()
        await asyncio.to_thread(crosses, hosts, "while a local user listens")
        await asyncio.sleep(0.3)

    async def run() -> None:
        from peers_tui.relay.config import inbox_prefix

        config = load_config(hub.hub)

        async def on_error(exc: Exception) -> None:
            errors.append(str(exc))

        nc = await nats.connect(f"nats://127.0.0.1:{config.client_port}", error_cb=on_error,
                                inbox_prefix=inbox_prefix(config.name))
        try:
            await listen(nc, None)
        finally:
            await nc.close()

    asyncio.run(run())
    assert heard == []
    assert any("permissions violation" in error.lower() and own.lower() in error.lower() for error in errors), errors
