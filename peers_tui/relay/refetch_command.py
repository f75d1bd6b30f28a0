"""`peers relay refetch GROUP`: read the group's every record from the hub's federation
stream and apply those this host's file lacks, under the checks of any record from another
host (docs/relay.md, "Every host a full replica").

The relay does this by itself when its count of a group falls behind the hub's
(relay/refetch.py); the command is for a user who does not want to wait for that, or whose
`peers verify` says "history deleted". It reads through this host's nats-server, as `peers
join` does (relay/fetch.py), so the relay must be running. Only the records whose exact text
is not in the file are applied (and marked known to the relay first, so that its scan never
takes them for this host's own writes); what is here already is passed over.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from pathlib import Path

import nats

from peers_tui.core.errors import NotFound
from peers_tui.core.genesis import GROUP_ID_LENGTH
from peers_tui.core.group_store import GroupStore
from peers_tui.relay import census
from peers_tui.relay.altered_rows import restore_altered
from peers_tui.relay.apply import Outcome, apply_records
from peers_tui.relay.client_errors import ONE_SHOT, said_by_the_caller
from peers_tui.relay.config import (
    RelayConfig, RelayError, client_url, inbox_prefix, load_config, relay_dir,
)
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.fetch import _known_first, _record
from peers_tui.relay.held_retry import poke_running_relay
from peers_tui.relay.ledger import Ledger
from peers_tui.relay.quarantine import refused_in, restore
from peers_tui.relay.refetch import history, pages_of, settled
from peers_tui.relay.replaced_files import start_over

def group_of(args: argparse.Namespace, hub: Path, query: str) -> tuple[str, bool]:
    """A group id this hub holds a file of: the id itself, or a group of the user's account
    (by id prefix or name, as every command names groups), else a group file of the hub by
    the name it was founded with (relay/hub_groups.py); and whether its file is missing
    (a group the user is in whose file was deleted: fetched again whole)."""
    text = query.strip().lower()
    if len(text) == GROUP_ID_LENGTH and (hub / f"{text}.db").is_file():
        return text, False
    from peers_tui.core.account import Account  # only for a name
    from peers_tui.paths import home_dir

    try:
        entry = Account(home_dir(args.home), hub).resolve(query)
    except NotFound:  # the relay's own user, say, is in none of the hub's groups
        from peers_tui.relay.hub_groups import hub_group

        return hub_group(hub, query), False
    path = hub / f"{entry.id}.db"
    if (not entry.personal and not os.path.lexists(path)
            and os.path.abspath(entry.db_file) == os.path.abspath(path)):
        return entry.id, True
    if not path.is_file():
        raise RelayError(f"group {query!r} has no file in this hub ({hub})")
    return entry.id, False


async def _read_missing(config: RelayConfig, group_id: str, held: set[str], wanted: set[str],
                        found: set[str]) -> tuple[list[list[Envelope]], int]:
    """Pages of the group's records (membership, invites, messages; oldest first) whose text
    the file does not hold, and how many records the hub has; `found` gets those of the
    `wanted` hashes the hub holds."""
    nc = await nats.connect(client_url(config), connect_timeout=2,
                            inbox_prefix=inbox_prefix(config.name),
                            error_cb=said_by_the_caller, **ONE_SHOT)
    pages: list[list[Envelope]] = []
    total = 0
    try:
        js = nc.jetstream(domain="hub") if config.role == "leaf" else nc.jetstream()
        for part in census.PARTS:
            async for page in pages_of(js, f"peers.fed.{group_id}.{part}"):
                total += len(page)
                found.update(e.hash for e in page if e.hash in wanted)
                missing = [e for e in page if e.hash not in held]
                if missing:
                    pages.append(missing)
    finally:
        await nc.close()
    return pages, total


def apply_missing(hub: Path, config: RelayConfig, group_id: str,
                  pages: list[list[Envelope]], create: bool = False) -> Outcome:
    """Each page as any record from another host is applied (a leaf: in the hub's order);
    `create`: the file is made from the group's genesis, as a join makes it."""
    total = Outcome()
    held: list[Envelope] = []
    for page in pages:
        _known_first(hub, page)
        history(group_id, page)  # here before: not news (unread, mentions)
        outcome = apply_records(hub, group_id, held + page, create=create,
                                hub_order=config.role == "leaf", then=settled(group_id))
        if outcome is None:
            raise RelayError(f"group {group_id} has no file in this hub ({hub})")
        held = total.add(outcome, waiting=True)
    return total


def cmd_relay_refetch(args: argparse.Namespace) -> int:
    from peers_tui.relay.commands import _hub

    hub = _hub(args)
    config = load_config(hub)  # no relay set up here: one line saying so
    group_id, missing = group_of(args, hub, args.group)
    held = set() if missing else census.held_hashes(hub / f"{group_id}.db")
    ledger = Ledger(relay_dir(hub) / "relay.db")
    try:  # the scan's refusals for a predecessor missing here, taken back (refetch.py)
        taken_back = census.refused_for_gaps(ledger, group_id, config.name)
        if missing:  # how far the relay read the deleted file says nothing of the new one
            start_over(ledger, group_id)
        refusals = refused_in(ledger.db, group_id)  # those the stream may hold (below)
    finally:
        ledger.close()
    found: set[str] = set()
    try:
        pages, total = asyncio.run(_read_missing(
            config, group_id, held, {e.hash for e, _ in taken_back} | refusals, found))
        if not total:
            raise RelayError(f"group {group_id} is not known to the federation's hub: its "
                             "founding host's relay has not sent it yet")
        outcome = apply_missing(hub, config, group_id, pages, create=missing)
    except (OSError, nats.errors.Error, asyncio.TimeoutError) as exc:
        why = str(exc) or f"{type(exc).__name__}: its nats-server did not answer"
        raise RelayError(f"this host's relay is not running (peers relay): {why}") from exc
    finally:
        ledger = Ledger(relay_dir(hub) / "relay.db")
        try:
            census.refuse_again(ledger, taken_back, found)
        finally:
            ledger.close()
    _record(hub, outcome)
    brought = len(outcome.applied)
    ledger = Ledger(relay_dir(hub) / "relay.db")
    try:
        # Refused here before, genuine in the file now: refused no longer (quarantine.restore),
        # each before its row is written back, so that the relay's scan sends it (rows.py).
        put_back = [] if missing else restore_altered(
            GroupStore(hub / f"{group_id}.db", group_id), lambda digest: restore(
                ledger.db, group_id, {digest}, "its row put back from its signed record by"
                " relay refetch"))
        restored = [row_id for row_id, _ in put_back]
        if brought:
            census.note_refetched(ledger, group_id, brought, int(time.time() * 1000))
        restore(ledger.db, group_id, {e.hash for e in outcome.applied}, "applied from the"
                " hub's stream by relay refetch")
        # Refused here once, in the hub's stream and standing in the file since (the relay
        # fetched it back before this command, or a relay from before a fix refused what it
        # later applied: the joins of the thirteenth acceptance pass).
        standing = (held - census.evidence_hashes(hub / f"{group_id}.db")) & refusals & found
        restore(ledger.db, group_id, standing, "in this host's file as in the hub's stream"
                " (brought back since it was refused), found by relay refetch")
    finally:
        ledger.close()
    line = (f"the file of group {group_id} was missing here: made again with the hub's "
            f"{brought} records" if missing else
            f"{brought} records of group {group_id} were missing here and are back (the "
            f"hub holds {total})" if brought else
            f"nothing of group {group_id} was missing here (the hub holds {total} records)")
    refused = len(outcome.refused) + len(outcome.lost)
    if refused:  # void here: a removal's cut, a fork (the relay took them out, or refused them)
        line += f"; {refused} of them are refused here, as before"
    if outcome.waiting:
        line += f"; {len(outcome.waiting)} wait for earlier records"
    if restored:  # rows whose columns were changed in the file, their records genuine
        line += (f"; {len(restored)} rows altered in the file were put back from their signed"
                 f" records ({', '.join(restored[:3])}{' ...' if len(restored) > 3 else ''})")
    print(line)
    # What the running relay holds waiting, or refused because its apply failed, is looked at
    # now, not at the group's next record from another host (held_retry.py, h-left17).
    poke_running_relay(relay_dir(hub))
    return 0
