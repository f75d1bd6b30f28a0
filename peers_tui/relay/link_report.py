"""The relay's side of `<hub>/.link.json` (core.link_state): what it publishes for users.

Written on a change (the link going up or down, records sent upstream, records applied from
another host), at most once every MIN_INTERVAL while changes keep coming, and every
core.link_state.HEARTBEAT while nothing changes, so readers can tell a dead relay. A running
backfill's progress alone (its share and oldest id moving page by page) is written at most
every PROGRESS_INTERVAL: every write is read again and redrawn by each open TUI of the host,
on the event loop that echoes the user's keys; the start and the end of a backfill are
changes like any other, and any write carries the latest progress. Per group:
the records stored here after what was last sent upstream, counted again only for the files
whose stat moved (a few stat calls a tick while the link is down). The runner's loop sleeps
until the next write is due or a change comes (no quarter-second tick while idle).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from peers_tui.core.link_state import (
    TOKEN_REFUSED, TOKEN_SHARED,
    HEARTBEAT, MAX_ARRIVALS, Arrival, GroupSync, LinkState, write_link_state,
)
from peers_tui.core.opened_records import opened
from peers_tui.core.relay_notes import claim as claim_notes
from peers_tui.relay.config import RelayConfig
from peers_tui.relay.held import show_all
from peers_tui.relay.hub_clock import host_clock_stamp
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.kept_stores import same_file, unsent_by_author
from peers_tui.relay.ledger import Ledger
from peers_tui.relay.refused_told import Told
from peers_tui.relay.local import LocalScanner, Token
# The scanner's stat token, and whether a file's last write is old enough to be visible
# to readers (a WAL frame can be on disk before the commit shows: counted again until then).
from peers_tui.relay.local import _settled as settled
from peers_tui.relay.local import _token as file_token

if TYPE_CHECKING:
    from peers_tui.relay.link import LinkState as Link

MIN_INTERVAL = 1.0
PROGRESS_INTERVAL = 3.0  # a backfill's progress alone: "receiving 41%" moves every 3 s, not 1
RECOUNT_EVERY = 0.25  # while the link is down: records written offline show as unsent
REFUSED_SOON = 0.1  # a refusal by the hub is written at once unless the last write is this recent
SLACK = 0.002  # a loop asleep until this close to when a write is due is not woken for it


class LinkReporter:
    """Keeps `<hub>/.link.json` in step with the relay; every call is cheap when idle."""

    def __init__(self, hub: Path, config: RelayConfig, link: Link, ledger: Ledger,
                 scanner: LocalScanner) -> None:
        self.hub = hub
        claim_notes(hub)  # <hub>/.relay-notes/ beside .link.json: the relay's notes for users
        show_all(hub)  # <hub>/.relay-held/: the handle changes kept for the hub (held.py)
        self.config = config
        self.link = link
        self.ledger = ledger
        self.scanner = scanner
        self.syncs: dict[str, GroupSync] = {}
        self.counted: dict[str, tuple[Token | None, int, int]] = {}
        self.arrivals: list[Arrival] = []
        self.backfill: dict[str, tuple[str | None, float | None]] = {}
        self.refused: dict[str, Told] = {}  # hub_refusals.py, refused_told.py
        self.dirty = True
        self.progressed = False  # a running backfill's progress moved since the last write
        self.refused_due = False  # a refusal by the hub to write REFUSED_SOON after the last
        self.written_at = 0.0
        self.last: dict[str, object] | None = None
        self.failed = False
        self.woken = asyncio.Event()  # a change the loop must write when it is due
        self.asleep_until = 0.0  # when the loop's sleep ends (monotonic; 0: not asleep)
        self.listed_all = False  # every group counted once since the start (tick)
        # each group's `sent` when the hub's relay last answered; None: it has not since every
        # group was counted (heard)
        self.passed: dict[str, int] | None = None
        link.hub_relay.on_heard = self.heard

    # ----------------------------------------------------------------- what changed
    def changed(self, at_once: bool = False) -> None:
        """Something users see changed: written now, or at the next tick if one was just
        written (at most one write a second while changes keep coming). `at_once`: the link
        itself went up or down (a probe's word, rare): written now all the same. The link up
        a moment after the relay's first write waited for its turn, and for ~0.75 s users
        read offline (and a join refused at once: relay/join_fetch.py) what `relay status`
        already said up."""
        self.dirty = True
        if not self.link.up:  # what was written offline is part of what users see now
            self.recount()
        if at_once or time.monotonic() - self.written_at >= MIN_INTERVAL:
            self.write()
        # The loop sleeps for what is due now (a link down: counting unsent). When it wakes by
        # then anyway (a change already waited), it is left asleep: waking it for every
        # delivered message cost a wake-up and a new timer each.
        if not self.link.up or self.written_at + self.pause_for() < self.asleep_until - SLACK:
            self.woken.set()

    def arrived(self, group_id: str, envelopes: list[Envelope]) -> None:
        """Messages applied here from other hosts: the log of a user who has this group open
        says how many arrived from where (the hub tells each leaf the host a record came from)."""
        by_host: dict[str, list[str]] = {}
        for envelope in envelopes:
            if envelope.table != "msg" or envelope.origin == self.config.name:
                continue
            found = opened(envelope.text)  # the apply opened it: its id without a parse
            try:
                message_id = found[0].data.get("id") if found else json.loads(envelope.text).get("id")
            except (ValueError, AttributeError):
                continue
            if isinstance(message_id, str):
                by_host.setdefault(envelope.origin, []).append(message_id)
        if not by_host:
            return
        now = time.time()
        for host, ids in by_host.items():
            self.arrivals.append(Arrival(group_id, host, len(ids), min(ids), max(ids), now))
        del self.arrivals[:-MAX_ARRIVALS]
        self.changed()

    def caught_up(self, group_id: str) -> None:
        """The positions moved past rows the relay applied (local.LocalScanner.note_applied):
        known records, so the count stands, and the file's `sent` follows them. A stopped
        relay's count is taken from it (core.stopped_unsent): lagging, it counted the rows
        applied since this host last sent as unsent."""
        sync = self.syncs.get(group_id)
        if sync is None:
            return
        sent = self.ledger.position(f"msg:{group_id}")
        invites = self.ledger.position(f"invite:{group_id}")
        if (sync.sent, sync.invites) != (sent, invites):
            self.syncs[group_id] = dataclasses.replace(sync, sent=sent, invites=invites)
            self.dirty = True  # written with the arrival that follows, or the next write

    def set_backfill(self, group_id: str, frontier: str | None, receiving: float | None) -> None:
        """A backfill's progress (the oldest id received, the share received so far); both
        None when the group's history is complete here."""
        before = self.backfill.get(group_id, (None, None))
        if before == (frontier, receiving):
            return
        self.backfill[group_id] = (frontier, receiving)
        if before[1] is None or receiving is None:
            self.changed()  # a backfill begins or ends: what `peers groups` and the TUI say
            return
        # Progress only: written with the next write, or PROGRESS_INTERVAL after the last.
        # (A page a second at load, five at quiet: each write was a read of the file and a
        # redraw of the topic bar in every open TUI of the host, while the user types.)
        self.progressed = True
        if time.monotonic() - self.written_at >= PROGRESS_INTERVAL:
            self.write()
        elif self.written_at + self.pause_for() < self.asleep_until - SLACK:
            self.woken.set()  # asleep for a heartbeat: to wait for the progress's turn instead

    def set_refused(self, group_id: str, told: Told) -> None:
        """This host's records of a group the hub refused: how many, their message ids, whose,
        and those of them a cut voided (refused_told.py). Written
        at once (unless written a moment ago: a flood): this host's writers stop following
        such a row only once they read it here (core.hub_refused), and a message written
        meanwhile that follows it is carried, and followed by every host."""
        if self.refused.get(group_id, Told()) != told:
            self.refused[group_id] = told
            self.dirty = self.refused_due = True
            if time.monotonic() - self.written_at >= REFUSED_SOON:
                self.write()
            else:  # REFUSED_SOON after the last write, not MIN_INTERVAL (pause_for)
                self.woken.set()

    def heard(self) -> None:
        """The hub's relay answered (relay.hub_heard, once a second): what was stored at the
        hub before is taken as passed on. While it is silent, the file says up to where, and
        the apps mark the reader's later messages as not yet at the other hosts (a dict of
        the groups' positions copied, a few microseconds for 200 groups). A group counted
        since was joined since: none of it is known to be passed on (state). Not before every
        group was counted once: one not counted yet would read as joined since."""
        if self.listed_all:
            self.passed = {group_id: sync.sent for group_id, sync in self.syncs.items()}

    # ----------------------------------------------------------------- writing
    def sent(self, group_id: str) -> None:
        """A group's new records were stored upstream (called under the runner's lock, right
        after its positions moved: no record of another host has been applied beyond them
        since, which would count as unsent until the next scan passes over it)."""
        self.recount(group_id, positions_moved=True)
        if self.dirty:
            self.changed()

    async def tick(self) -> None:
        """The runner's loop: sleep until a write is due or a change comes, then write what is
        due (counts moved, a change waiting, heartbeat). Counted here only while records
        cannot leave (nothing is applied then either)."""
        pause = self.pause()
        self.asleep_until = time.monotonic() + pause
        with contextlib.suppress(TimeoutError):  # first: the runner does not pause this
            async with asyncio.timeout(pause):  # no task a wait, as wait_for makes
                await self.woken.wait()
        self.asleep_until = 0.0
        self.woken.clear()
        if not self.link.up or not self.listed_all:
            # Once after the start too: the file lists only the groups counted, and a group
            # it left out is counted from its start by a reader while the relay is stopped
            # (core.stopped_unsent): a restart then stop said "5002 unsent" of a group all
            # sent long before (acceptance pass h-tuiacc). An indexed count a kept file.
            self.recount()
            self.listed_all = True
        due = time.monotonic() - self.written_at
        if due >= self.pause_for():
            self.write()

    def pause_for(self) -> float:
        """Seconds after the last write that the next one is due."""
        if self.refused_due:
            return REFUSED_SOON
        if self.dirty:
            return MIN_INTERVAL
        return PROGRESS_INTERVAL if self.progressed else HEARTBEAT

    def pause(self) -> float:
        """Seconds until the next write or count is due, nothing changing meanwhile."""
        since = time.monotonic() - self.written_at
        wait = self.pause_for() - since
        if not self.link.up:
            wait = min(wait, RECOUNT_EVERY)
        return max(wait, 0.01)

    def recount(self, only: str | None = None, positions_moved: bool = False) -> None:
        """Count again the groups (or the one) whose file or sent position moved: while the
        link is down (positions stand still) a stat per group when nothing was written."""
        for group_id, path in self.scanner.group_files():
            if only is not None and group_id != only:
                continue
            token = file_token(path)
            counted = self.counted.get(group_id)
            # An empty WAL made or deleted is no write (the relay's own stores opened and
            # closed, kept_stores.same_file): counting a file not kept opens it afresh.
            if counted is not None and same_file(counted[0], token) and not positions_moved:
                continue
            sent = self.ledger.position(f"msg:{group_id}")
            invites = self.ledger.position(f"invite:{group_id}")
            if counted is not None and same_file(counted[0], token) and counted[1:] == (
                    sent, invites):
                continue
            unsent = self.scanner.count_after(group_id, path, sent, invites)
            by_author = unsent_by_author(self.scanner, group_id, path, sent) if unsent else ()
            if unsent is None or by_author is None:
                continue
            self.counted[group_id] = (token if settled(token) else None, sent, invites)
            fresh = GroupSync(unsent=unsent, sent=sent, invites=invites, unsent_by=by_author)
            if self.syncs.get(group_id) != fresh:
                self.syncs[group_id] = fresh
                self.dirty = True

    def unsent_total(self, recount: bool = False) -> int:
        """Records unsent in every group whose file is here, as last counted (`relay
        status`'s figure; counted again first while the link is down: `recount`)."""
        if recount:
            self.recount()
        present = {group_id for group_id, _ in self.scanner.group_files()}
        return sum(sync.unsent for group_id, sync in self.syncs.items() if group_id in present)

    def state(self, running: bool) -> LinkState:
        groups = {}
        passed = self.passed if self.link.hub_relay_silent() is not None else None
        for group_id, sync in self.syncs.items():  # (a group not counted yet: its next write)
            frontier, receiving = self.backfill.get(group_id, (None, None))
            told = self.refused.get(group_id, Told())
            groups[group_id] = dataclasses.replace(sync, frontier=frontier, receiving=receiving,
                                                   **told.fields(), passed=None if passed is None
                                                   else passed.get(group_id, 0))
        link = self.link
        return LinkState(
            host=self.config.name, role=self.config.role, pid=os.getpid(), running=running,
            updated=time.time(), up=link.up, since=link.since,
            rtt_ms=None if link.rtt_ms is None else round(link.rtt_ms, 2),
            to=self.config.hub_name or None if self.config.role == "leaf" else None,
            groups=groups, arrivals=tuple(self.arrivals), problem=link_problem(link.problem),
            hub_offset_ms=link.hub_clock.offset_ms, hub_relay_silent=link.hub_relay_silent(),
            host_clock=host_clock_stamp())  # (a writer's clock bound: hub_clock.py)

    def write(self, running: bool = True) -> None:
        try:
            write_link_state(self.hub, self.state(running))
        except OSError as exc:  # the hub is full or read-only: users see no link state
            if not self.failed:
                print(f"peers relay: {self.hub}/.link.json not written: {exc}", file=sys.stderr,
                      flush=True)
            self.failed = True
        else:
            self.failed = False
        self.dirty = self.progressed = self.refused_due = False
        self.written_at = time.monotonic()


def link_problem(problem: str | None) -> str | None:
    """The word users see for a link the hub refuses (the TUI's `⇅ offline 5s (token
    refused)`): before, a revoked or shared token read as a network cut that never ended."""
    from peers_tui.relay.link import REFUSED, SHARED  # (the runner has loaded it already)

    return {REFUSED: TOKEN_REFUSED, SHARED: TOKEN_SHARED}.get(problem or "")
