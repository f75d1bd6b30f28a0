"""A backfill's progress in the relay's `.link.json` (relay/link_report.py): each write of the
file is read again and the topic bar redrawn by every open TUI of the host, on the event loop
that echoes the user's keys (R6a), so a walk's page-by-page progress alone is written at most
every PROGRESS_INTERVAL; its start and its end as any change (at most MIN_INTERVAL late)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from inotify_simple import INotify, flags

from peers_tui.core.link_state import LINK_FILE, GroupSync, read_link_state
from peers_tui.relay import link_report
from peers_tui.relay.config import RelayConfig
from peers_tui.relay.ledger import Ledger
from peers_tui.relay.link_report import LinkReporter
from peers_tui.relay.local import LocalScanner

from tests.core.test_relay_link_report import GROUP, Link

MIN_INTERVAL = 0.1
PROGRESS_INTERVAL = 0.5
PAGES = 60
PAGE_S = 0.02  # a page every 20 ms: 1.2 s of walk, 12 MIN_INTERVALs


class Renames:
    """The new files the relay renames into place, counted as each TUI's LinkWatch is woken
    for them (inotify on the event loop; each wake-up is a read of the file and a redraw)."""

    def __init__(self, hub: Path) -> None:
        self.watch = INotify()
        self.watch.add_watch(str(hub), flags.MOVED_TO)
        self.count = 0
        asyncio.get_running_loop().add_reader(self.watch.fileno(), self._read)

    def _read(self) -> None:
        self.count += sum(event.name == LINK_FILE for event in self.watch.read(timeout=0))

    def take(self) -> int:
        count, self.count = self.count, 0
        return count

    def close(self) -> None:
        asyncio.get_running_loop().remove_reader(self.watch.fileno())
        self.watch.close()


async def wait_for(check, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def test_a_walks_progress_is_written_every_progress_interval_and_its_end_at_once(
        tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(link_report, "MIN_INTERVAL", MIN_INTERVAL)
    monkeypatch.setattr(link_report, "PROGRESS_INTERVAL", PROGRESS_INTERVAL, raising=False)
    (tmp_path / ".relay").mkdir()
    ledger = Ledger(tmp_path / ".relay" / "relay.db")
    scanner = LocalScanner(tmp_path, "C", ledger)
    reporter = LinkReporter(tmp_path, RelayConfig("leaf", "C", 4222, hub_name="A"), Link(),
                            ledger, scanner)
    reporter.syncs[GROUP] = GroupSync()  # what a recount finds in the group's file (none here)
    renames = Renames(tmp_path)
    stop = asyncio.Event()

    async def loop() -> None:  # the runner's _forever over reporter.tick
        while not stop.is_set():
            await reporter.tick()

    def receiving() -> float | None:
        state = read_link_state(tmp_path)
        sync = state.group(GROUP) if state is not None else None
        return sync.receiving if sync is not None else None

    task = asyncio.create_task(loop())
    try:
        assert await wait_for(lambda: reporter.written_at > 0, 5)  # the first write
        await asyncio.sleep(MIN_INTERVAL)
        renames.take()
        # The walk begins: told as any change (the group is no longer in sync).
        reporter.set_backfill(GROUP, "01OLD0100", 0.0)
        assert await wait_for(lambda: receiving() == 0.0, 5 * MIN_INTERVAL)
        begun = time.monotonic()
        for page in range(1, PAGES + 1):
            await asyncio.sleep(PAGE_S)
            reporter.set_backfill(GROUP, f"01OLD{100 - page:04d}", page / (PAGES + 10))
        walked = time.monotonic() - begun
        # The last page's share reaches the file within a PROGRESS_INTERVAL, with nothing else.
        assert await wait_for(lambda: receiving() == PAGES / (PAGES + 10),
                              PROGRESS_INTERVAL + 1.0)
        written = renames.take()
        # The beginning, then one write a PROGRESS_INTERVAL of the walk (and the last page's):
        # a write a MIN_INTERVAL before, ~12 here (the TUI read the file and redrew its bar
        # about once a page at load).
        assert 2 <= written <= 3 + walked / PROGRESS_INTERVAL, (written, walked)
        # The end: at once (a MIN_INTERVAL at most), whatever the progress waited for.
        reporter.set_backfill(GROUP, "01OLD0000", 1.0)
        reporter.set_backfill(GROUP, None, None)
        ended = time.monotonic()
        assert await wait_for(lambda: read_link_state(tmp_path) is not None
                              and receiving() is None, 2.0)
        assert time.monotonic() - ended < MIN_INTERVAL + 0.5
    finally:
        stop.set()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        renames.close()
        scanner.close()
        ledger.close()
