"""One membership order across hosts, for membership commands run on a leaf.

The hub's relay applies membership changes one at a time, so the hub's log is the order. A
leaf's command (join, leave, role, remove, revoke) therefore first brings its file up to the
hub's membership head (`peers.fed.<group>.m`), so the change it signs extends that head; after
the local commit it waits until the hub has ordered it: the hub's change at that place is ours
(done), or another host's got there first, in which case ours is taken out here (the hub's
order wins) and the command is run once more against the new head. A second loss is reported
as one line.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import nats

from peers_tui.core.group_store import GroupStore
from peers_tui.relay.apply import apply_records
from peers_tui.relay.config import RelayConfig, RelayError
from peers_tui.relay.envelope import Envelope, fed_subject
from peers_tui.relay.fetch import read_group

CONFIRM_TIMEOUT = 10.0


async def _hub_changes(config: RelayConfig, group_id: str) -> list[Envelope]:
    nc = await nats.connect(f"nats://127.0.0.1:{config.client_port}", connect_timeout=2,
                            max_reconnect_attempts=0, allow_reconnect=False)
    try:
        js: Any = nc.jetstream(domain="hub")
        return await read_group(js, group_id, fed_subject(group_id, "member"))
    finally:
        await nc.close()


def hub_changes(config: RelayConfig, group_id: str) -> list[Envelope]:
    """The group's membership changes in the hub's order."""
    try:
        return asyncio.run(_hub_changes(config, group_id))
    except (OSError, nats.errors.Error) as exc:
        raise RelayError(f"this host's relay is not running (peers relay): {exc}") from exc


def _seq(envelope: Envelope) -> int:
    try:
        value = json.loads(envelope.text).get("seq")
    except ValueError:
        return 0
    return value if isinstance(value, int) else 0


def catch_up(hub: Path, config: RelayConfig, group_id: str) -> None:
    """Bring this host's membership log up to the hub's (the hub's order wins)."""
    changes = hub_changes(config, group_id)
    if changes:
        apply_records(hub, group_id, changes, create=False, hub_order=True)


def local_head(hub: Path, group_id: str) -> tuple[int, str]:
    store = GroupStore(hub / f"{group_id}.db", group_id)
    try:
        roster = store.roster()
        return roster.head_seq, roster.head_hash
    finally:
        store.close()


def ordered_by_hub(hub: Path, config: RelayConfig, group_id: str, seq: int, digest: str) -> bool:
    """Wait until the hub ordered change `seq`: True when it is ours (`digest`), False when
    another change holds that place (ours is then taken out of this host's log)."""
    deadline = time.monotonic() + CONFIRM_TIMEOUT
    while time.monotonic() < deadline:
        changes = hub_changes(config, group_id)
        at_place = [e for e in changes if _seq(e) == seq]
        if at_place:
            if at_place[0].hash == digest:
                return True
            apply_records(hub, group_id, changes, create=False, hub_order=True)
            return False
        time.sleep(0.05)
    raise RelayError(f"the hub did not order this membership change within "
                     f"{CONFIRM_TIMEOUT:.0f} s; it is sent when the hub is reachable "
                     "(see peers relay status)")
