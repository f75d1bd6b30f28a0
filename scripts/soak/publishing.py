"""A forged record published on a leaf's inbound subject (`peers.in.<leaf>.<group>`), or a
forged membership change proposed to the hub's sequencer (`peers.order.<leaf>.<group>`), from a
nats-py client on the leaf's own server, connected as the leaf's relay is."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from peers_tui.relay.envelope import Envelope, in_subject
from scripts.soak.journal import rng
from tests import relay_helpers as rh


def publish(h: rh.Host, gid: str, record: Any) -> str:
    import nats

    try:
        return published(h, gid, record, through)
    except (nats.errors.Error, asyncio.TimeoutError, OSError) as exc:  # its server stopped
        return exc.__class__.__name__


def through(host: rh.Host, action: Any) -> str:
    """`action(nc, js)` with a client on `host`'s own server connected as its relay is (as
    tests/cli/test_relay_attacks.through, quiet: no reconnects, no error printed)."""
    import nats

    from peers_tui.relay.config import client_url, inbox_prefix, load_config

    async def quiet_error(exc: Exception) -> None:
        pass

    async def go() -> str:
        config = load_config(host.hub)
        nc = await nats.connect(client_url(config), inbox_prefix=inbox_prefix(config.name),
                                connect_timeout=2, error_cb=quiet_error)
        try:
            await action(nc, nc.jetstream(domain="hub"))
            return "done"
        except (nats.errors.Error, asyncio.TimeoutError, OSError) as exc:
            return exc.__class__.__name__
        finally:
            try:
                await nc.close()
            except (nats.errors.Error, asyncio.CancelledError, OSError):
                pass

    async def bounded() -> str:
        try:
            return await asyncio.wait_for(go(), 15)
        except asyncio.TimeoutError:
            return "no answer in 15 s"

    return asyncio.run(bounded())


def published(h: rh.Host, gid: str, record: Any, through: Any) -> str:
    if isinstance(record, bytes):
        headers = {"Nats-Msg-Id": f"junk-{rng.randrange(10**12)}", "Peers-Table": "msg",
                   "Peers-Origin": h.name, "Peers-Group": gid, "Peers-Sig": ""}

        async def raw(nc: Any, js: Any) -> None:
            await js.publish(in_subject(h.name, gid), record, headers=headers, timeout=2.0)
        return through(h, raw)
    table, text, sig, *cosig = record  # a join carries its invite key's countersignature
    envelope = Envelope(gid, table, text, sig, cosig[0] if cosig else None, h.name)

    async def action(nc: Any, js: Any) -> None:
        await js.publish(in_subject(h.name, gid), envelope.payload(), headers=envelope.headers(),
                         timeout=2.0)
    return through(h, action)


def propose(h: rh.Host, gid: str, record: tuple[str, str, bytes, bytes | None]) -> str:
    """A membership change proposed as the leaf's relay proposes one: the hub's answer ("ok"
    or "refused: <reason>"), or why none came. A refused proposal is stored nowhere
    (relay/order_service.py): the answer is all there is to check."""
    import nats

    _, text, sig, cosig = record
    envelope = Envelope(gid, "member", text, sig, cosig, h.name)
    answers: list[dict[str, Any]] = []

    async def ask(nc: Any, js: Any) -> None:
        reply = await nc.request(f"peers.order.{h.name}.{gid}", envelope.payload(), timeout=10,
                                 headers=envelope.headers())
        answers.append(json.loads(reply.data))

    try:
        outcome = through(h, ask)
    except (nats.errors.Error, asyncio.TimeoutError, OSError) as exc:
        return exc.__class__.__name__
    if outcome != "done" or not answers:
        return outcome
    answer = answers[0]
    return "ok" if answer.get("ok") else f"refused: {str(answer.get('reason'))[:200]}"
