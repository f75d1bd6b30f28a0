"""Fetching a group through the relay: for `peers join` on a host without the group, and for
a relay that finds a group file new to it (records that passed before it existed).

The hub's `PEERS_FED` stream holds every record the hub accepted, in an order it could apply
them in; a group's records are read on its own subjects (`peers.fed.<group>.m/.i/.r`). The
genesis is checked against the group id before anything is written (apply.py). `peers join`
applies the membership log and invites (one commit), then the newest page of messages (one
commit) and returns: the rest comes newest first behind it, applied by the relay
(relay/backfill.py), below a frontier the readers show as "not yet received" (core/frontier.py).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import nats
from nats.js.api import ConsumerConfig, DeliverPolicy

from peers_tui.relay import backfill_state
from peers_tui.relay.apply import Outcome, apply_records
from peers_tui.relay.client_errors import ONE_SHOT, said_by_the_caller, why_unanswered
from peers_tui.relay.config import (
    RelayConfig, RelayError, client_url, inbox_prefix, load_config, relay_dir,
)
from peers_tui.core import joined_top
from peers_tui.core.errors import InviteNotArrived
from peers_tui.relay.envelope import FED_STREAM, Envelope, EnvelopeError, fed_subject, from_message
from peers_tui.relay.ledger import Ledger
from peers_tui.relay.links import ORIGIN
from peers_tui.relay.invite_arrival import await_invite, invite_wait, not_arrived
from peers_tui.relay.pages import Bounds, bounds, newest_first

PAGE = 1000
NEWEST = 500  # messages `peers join` applies before it returns (a screen shows ~50)
FIRST_RECORD_TIMEOUT = 3.0


async def read_group(js: Any, group_id: str, subject: str | None = None) -> list[Envelope]:
    """Every record of `group_id` in the federation stream (or only those on `subject`), in
    stream order."""
    subject = subject or fed_subject(group_id)
    try:
        info = await js.stream_info(FED_STREAM, subjects_filter=subject)
        stored = sum((info.state.subjects or {}).values())
    except Exception as exc:  # no stream (hub never ran) or hub unreachable
        raise RelayError(f"the hub cannot be asked for group {group_id}: {why_unanswered(exc)}; "
                         "`peers relay status` shows the link") from exc
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
    _known_first(hub, records)
    first = [r for r in records if r.table != "msg"]
    messages = [r for r in records if r.table == "msg"]
    total = Outcome()
    held: list[Envelope] = []
    for page in [first] + [messages[i:i + PAGE] for i in range(0, len(messages), PAGE)]:
        outcome = apply_records(hub, group_id, held + page, create=True, hub_order=True)
        assert outcome is not None  # create=True
        held = total.add(outcome, waiting=True)
    return total


async def _read_join(js: Any, group_id: str
                     ) -> tuple[list[Envelope] | None, list[Envelope], int, Bounds | None]:
    """What `peers join` reads before it returns: the membership log and invites whole, then
    the newest page of messages; with the position that page starts at and the bounds of the
    group's messages at the hub. No page (None) when the stream is of the old layout: then
    the second list is the whole group."""
    members = await read_group(js, group_id, fed_subject(group_id, "member"))
    firsts = await read_group(js, group_id, fed_subject(group_id, "invite"))
    if not any(r.table == "genesis" for r in firsts):
        # A stream written before genesis and invites had a subject of their own.
        return None, await read_group(js, group_id), 0, None
    found = await bounds(js, fed_subject(group_id, "msg"))
    newest: list[Envelope] = []
    low = 0
    if found is not None:
        async for low, page in newest_first(js, fed_subject(group_id, "msg"), found.last + 1,
                                            found.first, NEWEST):
            newest = page + newest
            if len(newest) >= NEWEST:
                break
    return newest, firsts + members, low, found


def apply_join(hub: Path, group_id: str, firsts: list[Envelope], newest: list[Envelope],
               low: int, found: Bounds | None,
               before_link: Callable[[Path], None] | None = None) -> Outcome:
    """Genesis; then membership and invites with the frontier opened; then the newest page.
    When that page reaches the oldest message the frontier is closed at once; otherwise the
    relay walks on (relay/backfill.py) and `peers join` returns now.

    A group new here is made in a directory of its own inside the hub and linked into place
    whole: this host's relay, listing the hub between the genesis and the frontier, took it
    for a group with no backfill under way and applied all of it in one transaction (a
    million records), leaving the frontier open for good (seen under load, 2026-11-30).
    What was read is known to this host's relay before any of it is in the hub (_known_first).
    `before_link` is called with the made file just before it is linked (join_fetch's mark:
    a join killed from then on leaves the file to the next join)."""
    _known_first(hub, firsts + newest)
    final = hub / f"{group_id}.db"
    if final.exists():
        return _apply_join_to(hub, group_id, firsts, newest, low, found)
    staging = Path(tempfile.mkdtemp(prefix=f".joining-{group_id}-", dir=hub))
    try:
        total = _apply_join_to(staging, group_id, firsts, newest, low, found, made_here=True)
        made = staging / f"{group_id}.db"  # every connection to it closed: no WAL left beside it
        if not made.exists():
            return total
        if before_link is not None:
            before_link(made)
        try:
            os.link(made, final)  # never over a file another process made meanwhile
        except FileExistsError:
            return _apply_join_to(hub, group_id, firsts, newest, low, found)
        return total
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _apply_join_to(hub: Path, group_id: str, firsts: list[Envelope], newest: list[Envelope],
                   low: int, found: Bounds | None, made_here: bool = False) -> Outcome:
    """`made_here`: the file is the join's own (staged), its rows marked as fetched (joined_top)."""
    geneses = [r for r in firsts if r.table == "genesis"]
    total = apply_records(hub, group_id, geneses, create=True, hub_order=True)
    assert total is not None  # create=True
    if not (hub / f"{group_id}.db").exists():
        return total
    store = backfill_state.open_store(hub, group_id)
    try:
        if backfill_state.current(store) is None and found is not None:
            backfill_state.begin(store, found.count, found.last)
        total.add(apply_records(hub, group_id, [r for r in firsts if r.table != "genesis"],
                                  create=False, hub_order=True, store=store))
        backfill_state.expect_history(store, newest)  # core.joined_history: not news here
        total.add(apply_records(hub, group_id, [e for e, _ in total.waiting] + newest,
                                  create=False, hub_order=True, store=store), waiting=True)
        backfill_state.lower(store, low)
        if found is None or low <= found.first:
            total.refused += backfill_state.finish(store)
        if made_here:
            with store.session(), store.db.atomic():
                joined_top.mark(store.db)
    finally:
        store.close()
    return total


def _known_first(hub: Path, records: list[Envelope]) -> None:
    """Every record read from the hub's stream is the federation's: in the ledger's `known`
    before any of it is written into the hub directory. This host's relay passes a known row
    of its file over; one it met first was judged as a row written here. Marked known only
    after the join's apply (as it was), the rows a relay scanned in between (the file linked
    into place, the ledger not yet written, or never: the join killed) were this host's
    writes, and an invite the hub had published ahead of its author's imported messages was
    refused for good, its predecessor "missing (history deleted)" (docs/relay.md, eighth
    acceptance pass). A record then refused or held here is still the federation's. A hub
    with no relay state has no relay to scan it: nothing to mark."""
    if not relay_dir(hub).is_dir():
        return
    ledger = Ledger(relay_dir(hub) / "relay.db")
    try:
        ledger.add_known(e.hash for e in records)
    finally:
        ledger.close()


def _record(hub: Path, outcome: Outcome) -> None:
    """What the join refused is quarantined, what waits is held for the relay to retry (what
    it read is known already: _known_first); where its authors' records came from is kept."""
    ledger = Ledger(relay_dir(hub) / "relay.db")
    try:
        for envelope, reason in outcome.refused:
            ledger.quarantine(envelope if envelope.origin else replace(envelope, origin=ORIGIN), reason)
        ledger.hold_all((envelope if envelope.origin else replace(envelope, origin=ORIGIN), reason)
                        for envelope, reason in outcome.waiting)
        ledger.keep_origins()  # the hosts the join's records came from (origins.py)
    finally:
        ledger.close()


async def _fetch(hub: Path, config: RelayConfig, group_id: str,
                 before_link: Callable[[Path], None] | None, invite_key: str | None) -> Outcome:
    hub_name = config.hub_name if config.role == "leaf" else config.name
    nc = await nats.connect(client_url(config), connect_timeout=2,
                            inbox_prefix=inbox_prefix(config.name),
                            error_cb=said_by_the_caller, **ONE_SHOT)
    try:
        js = nc.jetstream(domain="hub") if config.role == "leaf" else nc.jetstream()
        if invite_key is not None:  # the code's invite may be on its way yet (invite_arrival)
            wait = invite_wait()
            invites = fed_subject(group_id, "invite")
            if await await_invite(lambda: read_group(js, group_id, invites), invite_key,
                                  wait) is False:  # None: no group the hub knows (below)
                raise InviteNotArrived(not_arrived(hub_name, wait))
        newest, firsts, low, found = await _read_join(js, group_id)
    finally:
        await nc.close()
    if not any(r.table == "genesis" for r in firsts):
        # A genuine code of a group founded on a host whose relay has not sent it yet (stopped,
        # cut off) reads the same as a wrong one, and as a code from another federation (a
        # host follows one hub; the code does not say which): say all three, naming our hub.
        hub_name = config.hub_name if config.role == "leaf" else config.name
        raise RelayError(f"group {group_id} is not known to the federation's hub {hub_name}: a "
                         "wrong code, a group of another federation (this host's groups across "
                         f"hosts go through hub {hub_name} only), or a group founded on a host "
                         "whose relay has not sent it yet (try again once that host's relay runs)")
    if newest is None:  # the whole group, oldest first
        outcome = apply_group(hub, group_id, firsts)
    else:
        outcome = apply_join(hub, group_id, firsts, newest, low, found, before_link)
    _record(hub, outcome)
    return outcome


def fetch_group(hub: Path, group_id: str,
                before_link: Callable[[Path], None] | None = None,
                invite_key: str | None = None) -> Outcome | None:
    """Bring `group_id` into this hub through the relay; None when no relay is set up here.

    RelayError (one line) when the relay or the hub cannot be reached or the group is unknown.
    `invite_key`: the join's code's; waited for at the hub a bounded while (invite_arrival),
    InviteNotArrived (a BadInvite) when it does not come.
    """
    try:
        config = load_config(hub)
    except RelayError:
        return None
    try:
        return asyncio.run(_fetch(hub, config, group_id, before_link, invite_key))
    except (OSError, nats.errors.Error, asyncio.TimeoutError) as exc:
        why = str(exc) or f"{type(exc).__name__}: its nats-server did not answer"  # a hung one
        raise RelayError(f"this host's relay is not running (peers relay): {why}") from exc
