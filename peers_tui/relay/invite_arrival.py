"""A join waits, a bounded while, for its code's invite to reach the federation's hub.

An invite made on a host goes out behind everything its author signed before it: it is a
record of their chain, and a host given it ahead of its predecessor could not judge it
(chain_order.py). After an import of 5,000 messages the code was made at once, and a join
of it on another host was refused with "... has not arrived yet (try again ...)" two or
three times, a second each, until the import had gone through (twenty-seventh acceptance
pass, docs/relay.md). The join's fetch now reads the hub's invites again until one of the
code's key is there, for at most `INVITE_WAIT` seconds (PEERS_JOIN_INVITE_WAIT: tests set it
low): a genuine code joins at the first try; a wrong one is refused after the wait, in one line.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable

from peers_tui.relay.envelope import Envelope

INVITE_WAIT = 10.0  # seconds: 5,000 imported records went out in ~4 s on a loaded machine
LOOK_EVERY = 0.25  # seconds between reads of the group's invites at the hub
GROUP_WAIT = 2.0  # seconds for a group the hub has no genesis of (its first scan's first record)


def invite_wait() -> float:
    """INVITE_WAIT, or PEERS_JOIN_INVITE_WAIT seconds."""
    try:
        return max(0.0, float(os.environ.get("PEERS_JOIN_INVITE_WAIT", INVITE_WAIT)))
    except ValueError:
        return INVITE_WAIT


def holds_invite(records: list[Envelope], key: str) -> bool:
    """Whether these records of a group's invite subject hold an invite of `key` (the code's
    public key: genuine or not is the join's to judge)."""
    for record in records:
        if record.table != "invite":
            continue
        try:
            data = json.loads(record.text)
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("key") == key:
            return True
    return False


async def await_invite(read: Callable[[], Awaitable[list[Envelope]]], key: str,
                       wait: float) -> bool | None:
    """Read the group's invite subject at the hub (`read`: fetch.read_group's) until an
    invite of `key` is there (True), or `wait` seconds have passed (False). None when the hub
    has not even the group's genesis after GROUP_WAIT: a code of no group the federation
    knows ends as fast as it did (fetch.py says why), while a group founded a moment ago, its
    genesis first in its host's next scan, may still arrive."""
    began = time.monotonic()
    while True:
        firsts = await read()
        if holds_invite(firsts, key):
            return True
        waited = time.monotonic() - began
        if not any(r.table == "genesis" for r in firsts) and waited >= min(GROUP_WAIT, wait):
            return None
        if waited >= wait:
            return False
        await asyncio.sleep(LOOK_EVERY)


def not_arrived(hub_name: str, wait: float) -> str:
    """The one line for a code whose invite did not reach the hub in time (not begun as
    join_invites.CODE_NOT_KNOWN: its "try again in a few seconds" is said after the wait)."""
    return (f"no invite of this code reached the federation's hub {hub_name} in {wait:.0f} s: "
            "a wrong or forged code, or one made on a host whose relay has not sent it yet "
            "(try again once that host's relay runs)")
