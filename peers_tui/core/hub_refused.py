"""What a writer needs of the relay to choose the row its new message follows, from
`<hub>/.link.json`: this host's messages the hub refused (the ids the relay lists for a group,
core.link_state's `refused_ids`; relay.hub_refusals), and the hub's clock (`hub_offset_ms`,
the hub's clock less this host's, as the relay last measured it: relay.hub_clock).

A writer does not follow a refused row's id (message_rules.followed): the fourteenth acceptance
pass saw one message signed 26 h ahead, refused at the hub, followed by every later writer of
its host, whose messages were then signed up to a day ahead and carried everywhere. Nor a row
signed more than a day past the HUB's clock (the bound the hub refuses by): a host whose own
clock runs fast followed a row the hub refused by its own clock's day (docs/relay.md, "The
hub's clock for writers (h-hubclock)").

Read with os, stat and json alone (the lean `peers send` path: core.link_state's own module
imports dataclasses, ~4 times this module's cost), and the offset without a parse at all: the
relay writes it first in the file. The file is untrusted as core.link_state reads it: only the
owner of `<hub>/.relay/` speaks for the relay, only id-shaped strings count, only an offset
within HUB_OFFSET_BOUND. Anything else reads as none (no offset: this host's clock, as with no
relay): posting never fails on it.
"""

from __future__ import annotations

import json
import os

from peers_tui.core.relay_file import read_relay_file, relay_owner

# The hub's clock less this host's, further than this either way, is not believed (a week:
# relay.ahead_retry.KEEP_AHEAD_MS, the farthest a refusal for the clock is looked at again).
HUB_OFFSET_BOUND = 7 * 24 * 60 * 60 * 1000
OFFSET_KEY = b'{"hub_offset_ms":'  # how the relay's compact JSON begins (core.link_state)


def follow_limits(hub: str, group_id: str) -> tuple[frozenset[str], int]:
    """(the ids of this group's messages the hub refused, the hub's clock less this host's in
    ms) as the relay last said; (empty, 0) when there is no relay, no such file, or anything
    about it is not as the relay writes it. On the hub host the offset is 0."""
    raw = read_relay_file(os.path.join(hub, ".link.json"), relay_owner(hub))
    if raw is None:
        return frozenset(), 0  # one host, no relay: one failed stat
    return _refused(raw, group_id), hub_offset(raw)


def hub_offset(raw: bytes) -> int:
    """The offset the relay wrote at the head of `.link.json` (0 when none or not believed)."""
    if not raw.startswith(OFFSET_KEY):
        return 0
    end = raw.find(b",", len(OFFSET_KEY), len(OFFSET_KEY) + 24)
    try:
        offset = int(raw[len(OFFSET_KEY):end]) if end > 0 else 0
    except ValueError:  # null: not measured yet
        return 0
    return offset if -HUB_OFFSET_BOUND <= offset <= HUB_OFFSET_BOUND else 0


def _refused(raw: bytes, group_id: str) -> frozenset[str]:
    if b'"refused_ids":["' not in raw:  # none refused anywhere (the relay's compact JSON):
        return frozenset()  # no parse (~0.12 ms of a send with 200 groups in the file)
    try:
        ids = json.loads(raw)["groups"][group_id].get("refused_ids", [])
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return frozenset()
    if not isinstance(ids, list):
        return frozenset()
    return frozenset(i for i in ids if isinstance(i, str) and 0 < len(i) <= 40 and i.isascii()
                     and i.isalnum())


def refused_ids(hub: str, group_id: str) -> frozenset[str]:
    """The ids of this group's messages the hub refused, as the relay last said."""
    return follow_limits(hub, group_id)[0]


__all__ = ["HUB_OFFSET_BOUND", "follow_limits", "hub_offset", "refused_ids"]
