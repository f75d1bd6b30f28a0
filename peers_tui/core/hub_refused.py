"""This host's messages the hub refused, as a writer needs them: the ids the relay lists for a
group in `<hub>/.link.json` (core.link_state's `refused_ids`; relay.hub_refusals). A writer
does not follow such a row's id (message_rules.followed): the fourteenth acceptance pass
saw one message signed 26 h ahead, refused at the hub, followed by every later writer of its
host, whose messages were then signed up to a day ahead and carried everywhere.

Read with os, stat and json alone (the lean `peers send` path: core.link_state's own module
imports dataclasses, ~4 times this module's cost). The file is untrusted as
core.link_state reads it: only the owner of `<hub>/.relay/` speaks for the relay, and only
id-shaped strings count. Anything else reads as none: posting never fails on it.
"""

from __future__ import annotations

import json
import os

from peers_tui.core.relay_file import read_relay_file, relay_owner


def refused_ids(hub: str, group_id: str) -> frozenset[str]:
    """The ids of this group's messages the hub refused, as the relay last said; empty when
    there is no relay, no such file, or anything about it is not as the relay writes it."""
    raw = read_relay_file(os.path.join(hub, ".link.json"), relay_owner(hub))
    if raw is None:
        return frozenset()  # one host, no relay: one failed stat
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


__all__ = ["refused_ids"]
