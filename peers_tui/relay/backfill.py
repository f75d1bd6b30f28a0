"""The relay's half of a backfill: after `peers join` applied the membership log, the invites
and the newest page of a group (relay/fetch.py), the relay walks on through the hub's stream,
newest page first, and closes the frontier when it reaches the oldest message.

One task per group, beside the relay's other work: each page is read without the relay's
lock and applied under it through the relay's own apply path (quarantine, held records,
known hashes), so live records keep flowing between pages. The signature checks ahead of
each page, and the page's apply, run on threads of lower priority (walk_priority.py,
background_apply.py). The walk's position is in the
group file (core/frontier.py), so a relay restarted mid-way goes on from there.
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from peers_tui.core.errors import PeersError
from peers_tui.core.missing_file import MissingFile
from peers_tui.relay import backfill_state
from peers_tui.relay.envelope import Envelope, fed_subject
from peers_tui.relay.fetch import read_group
from peers_tui.relay.client_errors import in_words
from peers_tui.relay.ledger import Ledger
from peers_tui.relay.pages import bounds, newest_first, read_range
from peers_tui.relay import background_apply, signatures
from peers_tui.relay.signatures import checked_ahead

PAGE = 1000  # messages a commit behind the newest screen (the relay applies nothing else meanwhile)
RETRY = 1.0
# Tests: while this file exists the walk waits before each page, so that something can be done
# on the host mid-walk without a race (tests/cli/test_relay_walk_cut.py).
HOLD = os.environ.get("PEERS_RELAY_WALK_HOLD")

# (group, records, then, run): `then(db)` runs in the apply's transaction after its rows;
# `run(work)`, when given, runs the apply's synchronous work (None: on the loop).
Run = Callable[[Callable[[], Any]], Awaitable[Any]]
Apply = Callable[[str, list[Envelope], Callable[[Any], None] | None, Run | None],
                 Awaitable[object]]

class Backfills:
    """The walks under way on this host, one task per group."""

    def __init__(self, hub: Path, js: Any, apply: Apply, ledger: Ledger, lock: asyncio.Lock,
                 trace: Callable[[str], None],
                 progress: Callable[[str, str | None, float | None], None] | None = None) -> None:
        self.hub = hub
        # (group, oldest id received, share received) for users' link state; (None, None) done
        self.progress = progress or (lambda group_id, oldest, share: None)
        self.js = js
        self.apply = apply
        self.ledger = ledger
        self.lock = lock
        self.trace = trace
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.stopped = False

    def resume(self, group_id: str) -> bool:
        """Walk on in `group_id` if its file has a frontier (True), else nothing (False)."""
        if self.stopped:  # the relay stops: the walk goes on from its frontier at the next start
            return True  # (a walk begun in the stop's wait applied a page on a closed file)
        if group_id in self.tasks and not self.tasks[group_id].done():
            return True
        if backfill_state.walking(self.hub / f"{group_id}.db") is False:
            return False  # no frontier: no store opened to read none (every file at a start)
        try:
            state = backfill_state.read_file(self.hub, group_id, backfill_state.current)
        except PeersError:
            return False
        if state is None:
            return False
        # Reported at once: the link state written before the walk's first page must not
        # list a group still receiving its history as in sync (`peers groups` said ✓).
        self.progress(group_id, state.oldest, min(state.received / max(state.total, 1), 1.0))
        self.tasks[group_id] = asyncio.create_task(self._walk_until_done(group_id))
        return True

    def cancel(self) -> list[asyncio.Task[None]]:
        """Cancel the walks; their tasks, to wait for (a page being applied ends first)."""
        self.stopped = True
        for task in self.tasks.values():
            task.cancel()
        signatures.shutdown()  # its threads end with their chunk: nothing waits at exit
        background_apply.shutdown()  # after the page under way (background_apply.in_background)
        return list(self.tasks.values())

    async def _walk_until_done(self, group_id: str) -> None:
        reported = 0.0
        while True:
            try:
                await self._walk(group_id)
                return
            except asyncio.CancelledError:
                raise
            except MissingFile:  # a join that fetched it failed and removed it: no more walk,
                self.progress(group_id, None, None)  # nor "receiving 2%" left in the link
                return  # state (sixteenth acceptance pass); a new file starts a new walk
            except Exception as exc:  # the link went down, the file is busy: again from the frontier
                if time.monotonic() - reported > 60:  # once a minute, like the relay's other work
                    reported = time.monotonic()
                    print(f"peers relay: backfill of {group_id} paused ({in_words(exc)}); "
                          f"taken up again every {RETRY:g} s", file=sys.stderr, flush=True)
                await asyncio.sleep(RETRY)

    def _report(self, group_id: str, store: Any, received: int, total: int) -> None:
        """Progress for users' link state. `received` is counted along the walk (records
        applied), not with a COUNT(*) of the file after every page: that grew with the file
        (2-15 ms at 100,000 rows, measured: O(n^2) over a walk, tens of seconds of a
        million-message join)."""
        self.progress(group_id, backfill_state.oldest(store), min(received / max(total, 1), 1.0))

    async def _walk(self, group_id: str) -> None:
        store = backfill_state.open_store(self.hub, group_id)
        try:
            state = backfill_state.current(store)
            if state is None:
                self.progress(group_id, None, None)
                return
            received, total = state.received, state.total
            self._report(group_id, store, received, total)
            started = time.monotonic()
            subject = fed_subject(group_id, "msg")
            found = await bounds(self.js, subject)
            # What reached the hub after the join read it (this relay passed over it while the
            # file did not exist yet), and any membership change or invite since.
            later = (await read_group(self.js, group_id, fed_subject(group_id, "member"))
                     + await read_group(self.js, group_id, fed_subject(group_id, "invite")))
            if found is not None and found.last > state.upper:
                later += [e for _, e in await read_range(self.js, subject, state.upper + 1, found.last)]
            async with self.lock:
                await self.apply(group_id, later, None, None)
            if found is not None:
                read = time.monotonic()
                pages = newest_first(self.js, subject, state.lower, found.first, PAGE)
                async for low, page in checked_ahead(pages):
                    while HOLD and os.path.exists(HOLD):
                        await asyncio.sleep(0.05)
                    applying = time.monotonic()
                    backfill_state.expect_history(store, page)  # core.joined_history: not news
                    async with self.lock:
                        # The position reached is stored with the page, in its commit.
                        await self.apply(group_id, page, functools.partial(
                            backfill_state.reached, group_id=group_id, position=low,
                            total=found.count), background_apply.in_background)
                        received, total = received + len(page), found.count
                        self._report(group_id, store, received, total)
                    self.trace(f"backfilled {len(page)} of {group_id[:6]} down to {low} (read "
                               f"{applying - read:.3f} s, applied {time.monotonic() - applying:.3f} s)")
                    read = time.monotonic()
            suspected = await background_apply.in_background(
                functools.partial(backfill_state.suspects_in, store.path))
            async with self.lock:
                for envelope, reason in backfill_state.finish(store, suspected):
                    self.ledger.quarantine(envelope, reason)
                await self.apply(group_id, [], None, None)  # what waited for the oldest records
            self.progress(group_id, None, None)
            self.trace(f"backfill of {group_id[:6]} done in {time.monotonic() - started:.2f} s")
        finally:
            store.close()
