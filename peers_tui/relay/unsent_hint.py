"""A leaf tells the hub which groups it holds records of that it has not begun to send: a
hint, for a join waiting for an invite on its way (invite_transit.py), never data.

The hub says a group is "moving" while a leaf's inbound stream holds records of it or the
hub took one lately; before a leaf's relay has published the first of what its users wrote
(the scan of an import of 2,000 rows a pass, ~0.5 s, more under load, the relay's loop busy
all that while) only that leaf knows, and a join of a code made there right after was
refused at once (docs/relay.md, "A join on a host that holds the group", "Left").

The leaf's side (`UnsentHint`): when its publisher wakes for files another process committed
to (a user's write: the relay's own applies go through its kept connections, which leave
`PRAGMA data_version` as it was), those groups are said at once on `peers.ping.<leaf>` with
no reply wanted (before the scan holds the loop), and carried by every ping
(hub_heard.ping_payload) until the pass that scans them ends: by then what it found is in
the hub's stream, which the hub reads for itself.

The hub's side (`HintsHeard`): a leaf speaks only on its own subject (permissions.py) and
for itself; what it says is bounded (HINT_MOST ids of a group id's shape, PAYLOAD_MOST bytes)
and each message replaces its set. A group hinted within RECENT seconds reads "moving" to a
join of another host: a lying leaf makes a wrong code of a group wait at most the join's
wait (10 s), as sending any record of the group did already.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

HINT_MOST = 32  # groups a leaf names at once (more: the first by id; the rest read as before)
# Records another process wrote that make a group worth naming: fewer are scanned and sent in
# a few milliseconds (a chat message is one: no word to the hub for it); an import's 2,000 a
# pass held the relay's loop ~0.3 s on an idle machine here, seconds at a load of 10.
HINT_FROM = 200
PAYLOAD_MOST = 2048  # bytes: 32 ids of 26 letters, quoted, and a round trip
GROUP_ID = re.compile(r"[a-z2-7]{26}")  # (envelope.GROUP_ID)


def carried_unsent(payload: bytes) -> frozenset[str]:
    """The group ids a leaf's ping says it has unsent records of: `{"unsent": [id, ...]}`,
    bounded; anything else (empty, a relay of before, junk) says none."""
    if not payload or len(payload) > PAYLOAD_MOST:
        return frozenset()
    try:
        data = json.loads(payload)
    except ValueError:  # (UnicodeDecodeError too)
        return frozenset()
    ids = data.get("unsent") if isinstance(data, dict) else None
    if not isinstance(ids, list):
        return frozenset()
    return frozenset(i for i in ids[:HINT_MOST] if isinstance(i, str) and GROUP_ID.fullmatch(i))


class HintsHeard:
    """The hub's side: what each leaf last said it has unsent, and when."""

    def __init__(self) -> None:
        self.said_at: dict[str, tuple[frozenset[str], float]] = {}

    def said(self, leaf: str, groups: frozenset[str], now: float | None = None) -> None:
        if groups:
            self.said_at[leaf] = (groups, time.monotonic() if now is None else now)
        else:
            self.said_at.pop(leaf, None)

    def hinted(self, leaf: str, group_id: str, within: float, now: float | None = None) -> bool:
        found = self.said_at.get(leaf)
        now = time.monotonic() if now is None else now
        return found is not None and group_id in found[0] and now - found[1] < within


class UnsentHint:
    """The leaf's side: the groups its publisher woke for and has not scanned through yet."""

    def __init__(self) -> None:
        self.groups: set[str] = set()

    def unsent(self) -> list[str]:
        """What a ping carries (hub_heard.ping_payload): at most HINT_MOST, by id."""
        return sorted(self.groups)[:HINT_MOST]

    def woke(self, written: Iterable[str], backlog: Callable[[str], int]) -> bool:
        """The publisher woke for these file names (Waker.names): the groups with HINT_FROM
        records or more that another process wrote and this relay has not sent
        (`backlog(group_id)`) are added. True when one is new (said at once: `say`)."""
        before = len(self.groups)
        for group_id in {name.split(".", 1)[0] for name in written}:
            if GROUP_ID.fullmatch(group_id) and group_id not in self.groups \
                    and backlog(group_id) >= HINT_FROM:
                self.groups.add(group_id)
        return len(self.groups) > before

    def passed(self) -> None:
        """A publisher's pass ended: what it scanned is at the hub's stream, or was nothing."""
        self.groups.clear()

    async def say(self, nc: Any, subject: str) -> None:
        """The set, at once, with no reply wanted; the loop let run once so that the client's
        flusher writes it before the scan holds the loop (nats-py writes from a task)."""
        try:
            await nc.publish(subject, json.dumps({"unsent": self.unsent()}).encode())
        except Exception:  # (the link going: the next ping carries it)
            return
        await asyncio.sleep(0)
        await asyncio.sleep(0)
