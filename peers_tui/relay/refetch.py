"""Every host a full replica: rows gone from this host's file of a group come back from the
hub's federation stream (docs/relay.md, "Every host a full replica"). Part of `runner.Relay`.

A row deleted from a group file (by anyone able to write it, or a disk mishap) was never
fetched again: the relay reads new rows and applies what arrives, and the federation had
the record already. Now the relay counts each group's rows against the hub's stream
(relay/census.py) when it starts and a moment after another process committed to the file
(at most every SPACING seconds a group), and reads again from the hub the subjects whose
difference grew, a page at a time, oldest first; each page goes through the relay's own
apply (`_apply_group`, the checks of any record from another host: what is here already is
a duplicate, a void or forged record is refused again). What was brought back is said on
the relay's stderr and kept for `peers relay status`. `peers relay refetch GROUP` reads the
whole group the same way at once (relay/refetch_command.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peers_tui.core import joined_history
from peers_tui.core.errors import PeersError
from peers_tui.relay import census
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.held_retry import next_due
from peers_tui.relay.kept_stores import reading
from peers_tui.relay.pages import bounds, read_range

if TYPE_CHECKING:
    from peers_tui.relay.apply import Outcome
    from peers_tui.relay.backfill import Backfills
    from peers_tui.relay.config import RelayConfig
    from peers_tui.relay.hub_refusals import HeardRefusals
    from peers_tui.relay.ledger import Ledger
    from peers_tui.relay.link import LinkState
    from peers_tui.relay.link_report import LinkReporter
    from peers_tui.relay.local import LocalScanner

PAGE = 1000  # records asked for at a time (a window of stream positions of about that many)
AFTER_COMMIT = 1.0  # a group is counted this long after another process committed to it
SPACING = 5.0  # ... and at most this often
RETRY = 1.0  # a count this host cannot take yet (not level with the hub) is tried again
TRIES = 30  # ... this many times; then at the next commit or start
HUB_ANSWER = 1.0  # the hub's count, asked under the relay's lock, waited for this long at most
IN_FLIGHT = 10.0  # a record of this host's not back from the hub after this long: not waited for


async def pages_of(js: Any, subject: str) -> AsyncIterator[list[Envelope]]:
    """The records on `subject` of the hub's stream, oldest first, about PAGE at a time."""
    found = await bounds(js, subject)
    if found is None:
        return
    low, window = found.first, PAGE
    while low <= found.last:
        high = min(found.last, low + window - 1)
        page = await read_range(js, subject, low, high)
        yield [envelope for _, envelope in page]
        density = len(page) / (high - low + 1)
        window = max(PAGE, min(PAGE * 64, int(PAGE / density) if density else window * 4))
        low = high + 1


def history(group_id: str, page: list[Envelope]) -> None:
    """Rows fetched back were here before: named as history (core.joined_history), not news
    (unread, mentions), as a join's pages are; the apply writes the names with its rows."""
    joined_history.name_page(group_id, [e.text for e in page if e.table == "msg"])


def settled(group_id: str) -> Callable[[Any], None]:
    """Folds the names into the file's history ranges, in the apply's transaction."""
    return lambda db: joined_history.settle(db, group_id)


class Refetch:
    """Counting groups against the hub and fetching back what is missing (mixed into
    runner.Relay)."""

    hub: Path
    config: RelayConfig
    is_hub: bool
    ledger: Ledger
    scanner: LocalScanner
    link: LinkState
    reporter: LinkReporter
    lock: asyncio.Lock
    backfills: Backfills | None
    js_local: Any
    js_hub: Any
    _apply_group: Callable[..., Awaitable[Outcome | None]]
    _trace: Callable[[str], None]
    refusals: HeardRefusals | None  # a leaf: the hub's refusals of its records
    _confirmed: Callable[[list[str]], None]  # lost_inbound.py

    def _refetch_setup(self) -> None:
        self.census_due: dict[str, float] = {}  # group -> when to count it
        self.census_tries: dict[str, int] = {}
        self.counted_at: dict[str, float] = {}
        self.census_wake = asyncio.Event()
        self.keep_next: set[str] = set()  # fetched back: the next count is the new difference
        self.in_flight: dict[str, float] = {}  # a leaf's records sent, not yet back from the hub
        self.census_missed: set[str] = set()  # given up (not level 30 times): at the next link

    def count_soon(self, group_id: str, delay: float = AFTER_COMMIT) -> None:
        due = max(time.monotonic() + delay, self.counted_at.get(group_id, 0.0) + SPACING)
        if due < self.census_due.get(group_id, float("inf")):
            self.census_due[group_id] = due
            self.census_wake.set()

    def sent_upstream(self, envelopes: list[Envelope]) -> None:
        if not self.is_hub:  # the hub publishes into the stream itself, acknowledged
            now = time.monotonic()
            self.in_flight.update((e.hash, now) for e in envelopes)

    def came_back(self, envelope: Envelope) -> None:
        self.in_flight.pop(envelope.hash, None)
        self._confirmed([envelope.hash])  # the hub has it (lost_inbound.py)
        if self.refusals is not None:  # carried after all: refused no longer (hub_refusals.py)
            self.refusals.carried(envelope)

    async def _census_once(self) -> None:
        """Count the group due first; wait (no timer while nothing is due: an idle relay)."""
        if self.census_due and self._on_their_way():  # no group is level until they
            self.census_wake.clear()  # are back: none tried
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.census_wake.wait(), RETRY)
            return
        group_id = await next_due(self.census_due, self.census_wake)
        if group_id is None:
            return
        if not self.is_hub and not self.link.up:  # counted once the link is back
            self.census_missed.add(group_id)
            return
        try:
            counted = await self._count(group_id)
        except Exception:  # the hub unreachable, a request refused: counted again later
            counted = False
        if counted:
            self.census_tries.pop(group_id, None)
            self.counted_at[group_id] = time.monotonic()
            return
        tries = self.census_tries[group_id] = self.census_tries.get(group_id, 0) + 1
        self._trace(f"not level with the hub for {group_id[:6]} ({tries}): "
                    f"{len(self.in_flight)} on their way")
        if tries < TRIES:
            self.census_due.setdefault(group_id, time.monotonic() + RETRY)
        else:
            self.census_tries.pop(group_id, None)
            self.census_missed.add(group_id)

    def _on_their_way(self) -> bool:
        """Whether records of this host's are on their way to the hub's stream (sent, not
        back yet, for at most IN_FLIGHT s). Each group due was tried and put off a second
        at a time meanwhile: at a leaf's first start with 200 groups, ~2,400 tries, each
        going over every record in flight and every group due (docs/relay.md, "Many groups
        and a rebuilt stream")."""
        if self.in_flight:
            now = time.monotonic()
            self.in_flight = {h: t for h, t in self.in_flight.items() if now - t < IN_FLIGHT}
        return bool(self.in_flight)

    def recount_missed(self) -> None:
        """A leaf's link is up again: the groups it could not count meanwhile are counted."""
        for group_id in self.census_missed:
            self.count_soon(group_id)
        self.census_missed.clear()

    async def _count(self, group_id: str) -> bool:
        """Count one group against the hub and fetch back what grew; False when this host is
        not level with the hub now (try again)."""
        if self.backfills is not None and group_id in self.backfills.tasks and not (
                self.backfills.tasks[group_id].done()):
            return True  # the walk brings the group's history
        path = self.hub / f"{group_id}.db"
        if not path.is_file():
            return True
        async with self.lock:
            if not self._level(group_id, path):
                return False
            # Asked under the lock (bounded): nothing is applied here meanwhile, so the file
            # and the stream are counted at one moment (a leaf's intake then at `last`).
            at_hub, last = await asyncio.wait_for(census.hub_counts(
                self.js_local if self.is_hub else self.js_hub, group_id), HUB_ANSWER)
            if not self.is_hub and self.ledger.position("fed") < last:
                self._trace(f"behind the stream: {self.ledger.position('fed')} < {last}")
                return False  # records of the stream not applied here yet
            try:
                with reading(self.scanner.stores.get(group_id), path) as connection:
                    here = census.local_counts(connection)
            except (PeersError, sqlite3.Error):
                return True  # damaged here: the scan says so (relay status)
            if here is None:
                return True  # a join's walk under way brings the group's history
            explained = census.explained(self.ledger, group_id, self.config.name, self.is_hub)
            now = census.differences(at_hub, here, explained)
            grown = [] if group_id in self.keep_next else census.grown(self.ledger, group_id, now)
            self._trace(f"counted {group_id[:6]}: hub {at_hub}, here {here}, unexplained {now}")
            self.keep_next.discard(group_id)
            if not grown:
                census.keep(self.ledger, group_id, now)
                return True
        await self.refetch(group_id, grown)
        return True

    def _level(self, group_id: str, path: Path) -> bool:
        """Whether nothing of this host's is unsent or on its way to the hub's stream (and the
        file is not lent to a walk's thread); the caller checks that a leaf's intake has
        applied everything the stream held when counted."""
        if group_id in self.scanner.lent or self._on_their_way():
            return False
        unsent = self.scanner.count_after(group_id, path, self.ledger.position(f"msg:{group_id}"),
                                          self.ledger.position(f"invite:{group_id}"))
        if unsent != 0:
            self._trace(f"{unsent} unsent here")
        return unsent == 0

    async def refetch(self, group_id: str, parts: list[str]) -> tuple[int, int]:
        """Read these subjects of the group from the hub, oldest first, and apply each page
        under the relay's lock: (records brought back, refused again). Said on stderr and
        kept for `relay status` when something came back."""
        self._trace(f"refetching {parts} of {group_id[:6]}")
        js = self.js_local if self.is_hub else self.js_hub
        # What the file holds, read beside the relay's work (a record applied meanwhile is
        # applied again below: a duplicate); only the rest of each page is applied.
        held = await asyncio.to_thread(census.held_hashes, self.hub / f"{group_id}.db")
        async with self.lock:  # no scan in between: it would judge them by the refusal
            taken_back = census.refused_for_gaps(self.ledger, group_id, self.config.name)
            held |= census.set_aside(self.ledger, group_id)  # (taken back: no longer there)
        wanted = {e.hash for e, _ in taken_back}
        federation: set[str] = set()  # of those taken back, the records the stream holds
        brought = refused = 0
        try:
            for part in census.PARTS:
                if part not in parts and not (wanted and part != "m"):
                    continue
                async for read in pages_of(js, f"peers.fed.{group_id}.{part}"):
                    federation.update(e.hash for e in read if e.hash in wanted)
                    page = [e for e in read if e.hash not in held]
                    if not page:
                        continue
                    if self.is_hub:  # the stream's own records: never published again
                        self.ledger.add_known(e.hash for e in page)
                    history(group_id, page)
                    async with self.lock:
                        # The stream's own records: a join waits for the invite it names
                        # (a page of `.i`, or after its maker's message of `.r`), never
                        # refused for it (intake.py, `from_stream`).
                        outcome = await self._apply_group(group_id, page, settled(group_id),
                                                          from_stream=True)
                        # The positions moved past the rows applied (`note_applied`), and
                        # some may be this host's own: the link file's `sent` follows, or
                        # the app marked the reader's messages fetched back "not yet at the
                        # hub" until the next publish (the intake's rows are others').
                        self.reporter.sent(group_id)
                    if outcome is not None:
                        brought += len(outcome.applied)
                        refused += len(outcome.refused)
        finally:  # (a refetch cut short: what was not seen in the stream is refused again)
            census.refuse_again(self.ledger, taken_back, federation)
        self.keep_next.add(group_id)
        self.count_soon(group_id, 0.0)
        if brought:
            census.note_refetched(self.ledger, group_id, brought, int(time.time() * 1000))
            print(f"peers relay: group {group_id}: {brought} records missing from this host's "
                  "file fetched back from the hub", file=sys.stderr, flush=True)
        return brought, refused


__all__ = ["Refetch", "pages_of"]
