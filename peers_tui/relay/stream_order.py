"""A hub file that went back never reorders the membership log (docs/relay.md, "Thirteenth
acceptance pass"; issue 15).

The hub's file is the federation's one membership order, and the federation stream holds every
change the hub ordered. A backup restored into the hub's file lacks the changes ordered after
the backup; until the relay's count fetches them back (census.py, refetch.py: a second after
the restore for a running relay, at its start for a stopped one), a change a hub user makes is
written at a place the stream holds another change at, ordered and confirmed earlier. Published,
it took that place on every host (a leaf takes what comes from the hub as its order: the
change confirmed to its author was thrown out, "lost the race", on their own host too).

So before the hub publishes changes written here, it compares their places with the stream's:
a place the stream holds another change at was lost. That change and those after it here are
taken out of the hub's file, as a leaf takes out its changes that lost a race, quarantined
with the reason (`relay rejected`), never published; the count then fetches back the
stream's.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from typing import Any

import nats

from peers_tui.relay.envelope import FED_STREAM, Envelope, EnvelopeError, fed_subject, from_message
from peers_tui.relay.fetch import read_group

# Begun as the scan's refusals are (census.SCANNED): never in the stream, so the count does not
# take it for one of the stream's records refused here, and fetches the stream's change back.
LOST = ("written into this host's file: lost its place {seq} to a change the hub ordered "
        "earlier (this hub's file went back: put back from an older copy?); make the change again")


def _seq(envelope: Envelope) -> int | None:
    try:
        seq = json.loads(envelope.text).get("seq")
    except (ValueError, AttributeError):
        return None
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else None


async def lost_place(js: Any, group_id: str, envelopes: list[Envelope]) -> int | None:
    """The first place among this host's changes in `envelopes` that the stream holds another
    change at, or None (no change among them, or none behind the stream's)."""
    mine = {seq: e.hash for e in envelopes if e.table == "member"
            for seq in [_seq(e)] if seq is not None}
    if not mine:
        return None
    subject = fed_subject(group_id, "member")
    try:
        last = await js.get_last_msg(FED_STREAM, subject)
        newest = _seq(from_message(last.data, last.headers, ""))
    except (nats.js.errors.NotFoundError, EnvelopeError):
        return None
    if newest is None or newest < min(mine):
        return None  # the usual case: every change here is past the stream's (one API call)
    ordered = {_seq(e): e.hash for e in await read_group(js, group_id, subject)}
    lost = [seq for seq, digest in sorted(mine.items()) if ordered.get(seq, digest) != digest]
    return lost[0] if lost else None


def take_out_lost(store: Any, seq: int, host: str) -> list[tuple[Envelope, str]]:
    """Take the hub file's changes from `seq` on out of the log (in one transaction), as a
    leaf takes out its changes that lost a race (apply_singly.lose_race); each with the reason,
    in this host's name, for the quarantine."""
    from peers_tui.relay.apply_singly import lose_race

    lost: list[tuple[Envelope, str]] = []
    with store.session(), store.db.atomic():
        lose_race(store, seq, lost)
    return [(replace(envelope, origin=host), LOST.format(seq=seq)) for envelope, _ in lost]


__all__ = ["lost_place", "take_out_lost"]


async def publishable(relay: Any, group_id: str, envelopes: list[Envelope]) -> list[Envelope]:
    """The hub relay's changes to publish, less those that lost their place to a change the
    stream holds (this hub's file went back): taken out, quarantined, fetched back."""
    from peers_tui.relay.kept_stores import kept_or_reopened

    seq = await lost_place(relay.js_local, group_id, envelopes)
    store = None if seq is None else kept_or_reopened(
        relay.scanner, relay.hub / f"{group_id}.db", group_id)
    if seq is None or store is None:
        return envelopes
    lost = take_out_lost(store, seq, relay.config.name)
    for envelope, reason in lost:
        relay.ledger.quarantine(envelope, reason)
    print(f"peers relay: group {group_id}: membership change {seq} written here lost its "
          "place to one the hub ordered earlier (this hub's file went back); taken out",
          file=sys.stderr, flush=True)
    relay.count_soon(group_id, 0.0)
    gone = {e.hash for e, _ in lost}
    return [e for e in envelopes if e.hash not in gone]
