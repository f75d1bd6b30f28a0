"""The joiner's side of invite_transit.py: a join (or an invitation accepted) on a host that
holds its group waits for the code's invite while the hub says it is on its way.

The invite is read from this host's own file; a genuine one made on another host a moment
ago may not be there yet (invite_transit.py says why, and why the hub is asked first: a code
no host knows must end at once). This user asks the hub's relay on `peers.transit.<host>`:
- with this host's relay's own credential when its state is this user's to read (the relay's
  own Unix user, as `peers join`'s fetch does);
- through the relay's desk otherwise (another Unix user of the host: desk_joins.py asks for
  them, over its own link). Their copy of peers may have no NATS client: that path imports
  nothing of it.
Both are the same loop (`_wait`): the file read and the hub asked every LOOK_EVERY seconds
while it says "held" or "moving", at most the wait (PEERS_JOIN_INVITE_WAIT, 10 s); the hub
saying neither, no hub relay to answer (one of before: no responders), or this host's relay
having refused the invite ends it at once. A hub relay that answers late (SLOW: not within
ASK_TIMEOUT) is asked again within the wait: its loop is held by an apply or a scan, the
import's own under load (2.6-3.9 s measured at a load of 17, docs/relay.md "A join after an
import under load"), and the join was refused while the hub said "held" each time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from peers_tui.relay.invite_arrival import LOOK_EVERY
from peers_tui.relay.invite_transit import ASK_TIMEOUT, invite_in_file, transit_subject

# What wait_for_invite found: the invite here, or what the hub said last ("held", "moving")
# when the wait ran out, or UNKNOWN: the hub said nothing of it is on its way.
ARRIVED, UNKNOWN, HELD, MOVING = "arrived", "unknown", "held", "moving"
SLOW: dict[str, Any] = {"slow": True}  # what an Ask says when the hub did not answer in time
DESK_TIMEOUT = ASK_TIMEOUT + 1.0  # the desk asks the hub with ASK_TIMEOUT: a little longer

# The hub's answer (a dict: "held", "moving" or neither; SLOW: none in time, asked again), or
# None: it cannot be asked, or this host's relay refused the invite (it never comes here): the
# wait ends, the refusal as before.
Ask = Callable[[], Awaitable[dict[str, Any] | None]]


def wait_for_invite(hub: Path, code: str, wait: float) -> str | None:
    """ARRIVED once the invite of `code` is in this host's file of its group, waited for
    while the hub says it (or its group) is on its way, at most `wait` seconds; UNKNOWN at
    once when the hub answers that nothing is; HELD or MOVING, what the hub said last, when
    `wait` ran out; None at once when it cannot be asked or this host's relay refused the
    invite (the refusal says what it said before)."""
    from peers_tui.core.errors import PeersError
    from peers_tui.core.invites import parse_code
    from peers_tui.relay.desk_client import uses_desk

    try:
        parsed = parse_code(code)
        group_id, key = parsed.group_id, parsed.key.public_id
        path = hub / f"{group_id}.db"
        if uses_desk(hub):
            return asyncio.run(_wait(path, key, wait, _through_desk(hub, group_id, key)))
        return asyncio.run(_own_relay_wait(hub, code, path, group_id, key, wait))
    except (PeersError, OSError, asyncio.TimeoutError):
        return None


async def _wait(path: Path, key: str, wait: float, ask: Ask) -> str | None:
    began, last = time.monotonic(), None
    while True:
        if invite_in_file(path, key):
            return ARRIVED
        if time.monotonic() - began >= wait:
            return last  # (None: the hub never answered in time, the refusal as before)
        said = await ask()
        if said is None:
            return None
        if said.get("slow"):  # a busy hub relay is no answer: asked again, within the wait
            continue
        if not (said.get("held") or said.get("moving")):
            # applied between the look and the answer, or the hub knows of none
            return ARRIVED if invite_in_file(path, key) else UNKNOWN
        last = HELD if said.get("held") else MOVING
        await asyncio.sleep(LOOK_EVERY)


async def _own_relay_wait(hub: Path, code: str, path: Path, group_id: str, key: str,
                          wait: float) -> str | None:
    """The loop, asking with this host's relay's credential (its Unix user's)."""
    import nats

    from peers_tui.relay.client_errors import ONE_SHOT, said_by_the_caller
    from peers_tui.relay.config import RelayError, client_url, inbox_prefix, load_config
    from peers_tui.relay.join_invites import refused_here

    try:
        config = load_config(hub)
    except RelayError:
        return None
    question = json.dumps({"group": group_id, "key": key}).encode()
    try:
        nc = await nats.connect(client_url(config), connect_timeout=2,
                                inbox_prefix=inbox_prefix(config.name),
                                error_cb=said_by_the_caller, **ONE_SHOT)
    except (nats.errors.Error, OSError, asyncio.TimeoutError):
        return None

    async def ask() -> dict[str, Any] | None:
        # refused by this host's relay (void: made beyond a cut, say): it never comes here
        if refused_here(hub, code) is not None:
            return None
        try:
            answer = await nc.request(transit_subject(config.name), question,
                                      timeout=ASK_TIMEOUT)
            said = json.loads(answer.data)
        except (nats.errors.TimeoutError, asyncio.TimeoutError):
            return SLOW  # a hub relay subscribed (else: no responders at once), its loop busy
        except (nats.errors.Error, ValueError):
            return None  # no hub relay that knows the question (one of before), or none
        return said if isinstance(said, dict) else {}

    try:
        return await _wait(path, key, wait, ask)
    finally:
        with contextlib.suppress(Exception):
            await nc.close()


def _through_desk(hub: Path, group_id: str, key: str) -> Ask:
    """Asking through the relay's desk (another Unix user's relay): it asks the hub over its
    own link and says whether it refused the invite itself (its ledger is not ours to read)."""
    from peers_tui.relay.desk_client import transit_through_desk

    async def ask() -> dict[str, Any] | None:
        return await asyncio.to_thread(transit_through_desk, hub, group_id, key, DESK_TIMEOUT)
    return ask


def told_by_the_hub(hub_name: str, said: str, wait: float) -> str:
    """A join's refusal on a host that holds the group, once the hub was asked about the
    code's invite (invite_transit.py, `said`): UNKNOWN, the hub holds none of it and nothing
    of the group is on its way; HELD, the hub holds it, but it has not reached this host's
    file in `wait` seconds; MOVING, a leaf was sending the hub records of the group all that
    while (of the group, not of this invite). Not begun as join_invites.CODE_NOT_KNOWN
    (not_here_yet would say it again)."""
    if said == HELD:
        return (f"this invite code's invite is at the federation's hub {hub_name} but has not "
                f"arrived yet on this host in {wait:.0f} s (this host's relay busy or stopped: "
                "peers relay status; try again in a few seconds)")
    if said == MOVING:
        return (f"this invite code's invite has not arrived yet in {wait:.0f} s, though another "
                f"host was sending the federation's hub {hub_name} records of the group: a "
                "wrong or forged code, or one still on its way (try again in a few seconds)")
    return (f"this invite code is not known to this host nor to the federation's hub "
            f"{hub_name}: a wrong or forged code, or one made on another host whose relay has "
            "not sent it yet, so it has not arrived yet (try again in a few seconds)")
