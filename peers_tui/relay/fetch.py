"""Fetching one whole group through the relay: for `peers join` on a host without the group,
and for a relay that finds a group file new to it (records that passed before it existed).

The hub's `PEERS_FED` stream holds every record the hub accepted, in an order it could apply
them in; a group's records are read on its own subject (`peers.fed.<group>`). The genesis is
checked against the group id before anything is written (apply.py); the membership log and
invites go in first, then the messages in batches, each batch one commit.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import nats
from nats.js.api import ConsumerConfig, DeliverPolicy

from peers_tui.relay.apply import Outcome, apply_records
from peers_tui.relay.config import RelayConfig, RelayError, load_config
from peers_tui.relay.envelope import FED_STREAM, Envelope, EnvelopeError, fed_subject, from_message

PAGE = 1000
FIRST_RECORD_TIMEOUT = 3.0


async def read_group(js: Any, group_id: str, subject: str | None = None) -> list[Envelope]:
    """Every record of `group_id` in the federation stream (or only those on `subject`), in
    stream order."""
    subject = subject or fed_subject(group_id)
    try:
        info = await js.stream_info(FED_STREAM, subjects_filter=subject)
        stored = sum((info.state.subjects or {}).values())
    except Exception as exc:  # no stream (hub never ran) or hub unreachable
        raise RelayError(f"the hub cannot be asked for group {group_id} ({exc.__class__.__name__})"
                         ) from exc
    if not stored:
        return []
    sub = await js.subscribe(subject, stream=FED_STREAM, ordered_consumer=True,
                             config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL))
    records: list[Envelope] = []
    try:
        while True:
            try:
                msg = await sub.next_msg(timeout=FIRST_RECORD_TIMEOUT)
            except nats.errors.TimeoutError:
                raise RelayError(f"the hub stopped answering after {len(records)} records of "
                                 f"group {group_id}") from None
            try:
                records.append(from_message(msg.data, msg.headers, ""))
            except EnvelopeError:
                pass
            if msg.metadata.num_pending == 0:
                return records
    finally:
        await sub.unsubscribe()


def apply_group(hub: Path, group_id: str, records: list[Envelope]) -> Outcome:
    """Membership and invites first (one commit), then the messages a page at a time."""
    first = [r for r in records if r.table != "msg"]
    messages = [r for r in records if r.table == "msg"]
    total = Outcome()
    held: list[Envelope] = []
    for page in [first] + [messages[i:i + PAGE] for i in range(0, len(messages), PAGE)]:
        outcome = apply_records(hub, group_id, held + page, create=True, hub_order=True)
        assert outcome is not None  # create=True
        total.applied += outcome.applied
        total.duplicates += outcome.duplicates
        total.refused += outcome.refused
        held = [envelope for envelope, _ in outcome.waiting]
        total.waiting = outcome.waiting
    return total


async def _fetch(hub: Path, config: RelayConfig, group_id: str) -> Outcome:
    nc = await nats.connect(f"nats://127.0.0.1:{config.client_port}", connect_timeout=2,
                            max_reconnect_attempts=0, allow_reconnect=False)
    try:
        js = nc.jetstream(domain="hub") if config.role == "leaf" else nc.jetstream()
        records = await read_group(js, group_id)
    finally:
        await nc.close()
    if not any(r.table == "genesis" for r in records):
        raise RelayError(f"group {group_id} is not known to the federation's hub")
    return apply_group(hub, group_id, records)


def fetch_group(hub: Path, group_id: str) -> Outcome | None:
    """Bring `group_id` into this hub through the relay; None when no relay is set up here.

    RelayError (one line) when the relay or the hub cannot be reached or the group is unknown.
    """
    try:
        config = load_config(hub)
    except RelayError:
        return None
    try:
        return asyncio.run(_fetch(hub, config, group_id))
    except (OSError, nats.errors.Error) as exc:
        raise RelayError(f"this host's relay is not running (peers relay): {exc}") from exc
