"""The leaf link to the hub: up or down since when, its round trip, and the status file.

A leaf asks the hub's JetStream API for its account info: an answer means the leaf link (and
the hub's server) is up; with it, the hub's relay, which may be silent under a server that
answers (hub_heard.py). Every second while the link is up and answering (each probe is also
an API advisory the hub's relay reads: at a quarter second, two leaves' probes were a tenth
of the hub relay's idle CPU), every quarter second while it is down or a probe just failed,
so a link coming back is seen as soon as before and a cut within about a second more. A
leafnode connection this leaf's server logs closed (none made since) is a cut at once, and its
log's writes wake the next look (cut_now, next_look). A hub
that refuses this host's credentials shows in the leaf server's log as an authorization
violation: reported as such.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from peers_tui.relay.rejected_listing import hub_refused_count
from peers_tui.relay.config import RelayConfig, relay_dir, write_private
from peers_tui.relay.hub_clock import HubClock
from peers_tui.relay.hub_heard import HubHeard
from peers_tui.relay.hub_reach import down_words
from peers_tui.relay.leaf_links import LeafLinks
from peers_tui.relay.ledger import Ledger
from peers_tui.relay.server import NatsServer
from peers_tui.relay.wake import FileWatch

if TYPE_CHECKING:
    from peers_tui.relay.local import LocalScanner
    from peers_tui.relay.tunnel import Tunnel

PROBE_TIMEOUT = 0.5
# Probes that must fail in a row before the link counts as down: one slow answer while the
# hub is busy must not restart every consumer.
FAILURES_FOR_DOWN = 3
PROBE_UP = 1.0     # seconds between probes while the link is up and answering
PROBE_DOWN = 0.25  # while it is down, or a probe failed
REFUSED = "the hub refused this host's token (wrong or revoked)"
# nats-server keeps one leaf connection a name: two hosts holding one token push each other
# off every few hundred ms, which looked like a bad network.
# Also seen for a few seconds when the hub has not yet noticed this host's old link is dead.
SHARED = ("the hub already has a link with this host's token: is it used by another host too? "
          "(a token is for one host: make each its own with peers relay token --name HOST)")


class LinkState:
    def __init__(self, hub: Path, config: RelayConfig, ledger: Ledger, server: NatsServer) -> None:
        self.hub = hub
        self.config = config
        self.ledger = ledger
        self.server = server
        self.up = config.role == "hub"
        self.since = time.time()
        self.rtt_ms: float | None = None
        self.problem: str | None = None
        self._generation = 0
        self._moved = asyncio.Event()
        self.received = 0
        self.failures = 0
        self._api_total: int | None = None  # the hub server's count of API calls, last seen
        self._log_read = 0  # how far this leaf's server log was read (_read_log)
        self._log_created = False  # it said a new leafnode connection was made (since a probe)
        self._log_cut = False  # the last it said of the leafnode connection: closed
        self._log_watch: FileWatch | None = None  # its writes wake the next look (next_look)
        self.leaf_links = LeafLinks()  # the hub: each leaf's link
        self.hub_relay = HubHeard()  # a leaf: when the hub's relay last answered (hub_heard.py)
        self.hub_clock = HubClock(ledger.db, config.role == "hub")  # for this host's writers
        self.tunnel: Tunnel | None = None  # a leaf's SSH tunnel, shown in the status
        # What the link report last counted unsent, all groups (LinkReporter.unsent_total;
        # True: counted again first, in the groups whose file or position moved)
        self.counted_unsent: Callable[[bool], int] = lambda recount: 0

    @property
    def generation(self) -> int:
        """Moves at every change, so consumers restart after a cut (or a server restart)."""
        return self._generation

    @generation.setter
    def generation(self, value: int) -> None:
        self._generation = value
        self._moved.set()  # whoever waits on this generation stops waiting
        self._moved = asyncio.Event()

    def moved(self) -> asyncio.Event:
        """Set once the generation moves past the present one: a consumer waits for a
        record or for this, instead of looking at the generation again every so often."""
        return self._moved

    def probe_pause(self) -> float:
        # (the hub's relay silent: its return is seen within a quarter second too)
        quiet = self.up and self.failures == 0 and self.hub_relay_silent() is None
        return PROBE_UP if quiet else PROBE_DOWN

    async def check(self, nc: Any) -> None:
        self.cut_now()
        started = time.monotonic()
        # Beside the probe (hub_heard.py), carrying the last one's round trip for the hub
        self.hub_relay.ask(nc, self.config.name, self.rtt_ms)
        answer = await self._probe(nc, started)
        reached = answer is not None
        self.failures = 0 if reached else self.failures + 1
        if reached:
            self._read_log()
            restarted = self._hub_restarted(answer.data) | self._log_created
            self._log_created = self._log_cut = False  # it answers: what the log said is past
            if not self.up:
                self._change(True, None)
                print(f"peers relay: link to the hub up ({self.rtt_ms:.0f} ms)", file=sys.stderr,
                      flush=True)
            elif restarted:  # back within the probes a cut needs: its consumers are gone
                self._change(True, None)
        else:
            refused = self.refused()
            # A shared token shows at its first failed probe: its link is back within the
            # three a cut needs, and would never be reported.
            if self.failures >= FAILURES_FOR_DOWN or not self.up or refused == SHARED:
                problem = refused or "hub unreachable"
                if self.up or problem != self.problem:
                    self._change(False, problem)
                    print(f"peers relay: {problem}", file=sys.stderr, flush=True)

    async def _probe(self, nc: Any, started: float) -> Any:
        """The hub's server's answer to the link probe (its round trip kept), or None."""
        try:
            answer = await nc.request("$JS.hub.API.INFO", b"", timeout=PROBE_TIMEOUT)
        except Exception:
            return None
        self.rtt_ms = (time.monotonic() - started) * 1000
        return answer

    def hub_relay_silent(self) -> float | None:
        """When the hub's relay was last heard, if it has been silent a while with the link
        up (hub_heard.py); None on the hub, or while it answers."""
        return None if self.config.role == "hub" else self.hub_relay.silent_since(self.up)

    def why_no_change(self) -> str | None:
        """Why the hub cannot take a membership change now (hub_reach.down_words), or None."""
        return down_words(self.config.hub_name, self.up, self.since, self.hub_relay_silent())

    def cut_now(self) -> None:
        """Down at once when this leaf's server says its connection to the hub closed and
        none was made since (its log, read as it is written: next_look). Waiting for three
        failed probes kept the link "up" for 0.5-2.5 s after the hub's server died; a hub
        relay killed and started again in 0.4 s (its server with it) was never seen down,
        or seen down only after it was back: a join right after the link read up was
        refused, "the hub has been unreachable for 0s" (docs/relay.md, "A link that drops
        after the hub's restart (h-linkdrop)"). A closed connection is no slow answer."""
        self._read_log()
        if self.up and self._log_cut:
            problem = self.refused() or "hub unreachable"
            self._change(False, problem)
            print(f"peers relay: {problem}", file=sys.stderr, flush=True)

    async def next_look(self) -> None:
        """Until the next probe is due (probe_pause), or sooner: as soon as this leaf's server
        logs that its leafnode connection closed or was made (other lines wait on)."""
        if self._log_watch is None:
            self._log_watch = FileWatch(self.server.log_path, appended=True)
        due = self.hub_relay.due = time.monotonic() + self.probe_pause()
        while (left := due - time.monotonic()) > 0:
            await self._log_watch.wait(left, left)
            if self._read_log():
                break
        self.hub_relay.woke(due)  # late past STALL: this relay was held, not the hub's (hub_heard)

    def close(self) -> None:
        self.hub_relay.close()
        if self._log_watch is not None:
            self._log_watch.close()

    def _hub_restarted(self, answer: bytes) -> bool:
        """Whether the hub's server started again since the last answer. Its count of API
        calls (`api.total`) starts from 0 with the server, and a restart quicker than the
        three failed probes that make a cut (the hub's relay killed and started again, which
        takes its server along; a token made there) left this leaf's consumers on the old
        server: records from other hosts came only once nats-py's idle heartbeats gave up on
        them, 11-17 s later. An answer without the count says nothing."""
        try:
            total = json.loads(answer)["api"]["total"]
        except (ValueError, KeyError, TypeError):
            return False
        if not isinstance(total, int):
            return False
        before, self._api_total = self._api_total, total
        return before is not None and total < before

    def _read_log(self) -> bool:
        """Read what this leaf's server logged since the last look; whether it made or closed
        a leafnode connection meanwhile (kept: `_log_created`, `_log_cut`). A new link means
        the consumers on the hub's side may be gone, so they start again: the hub's count of
        API calls alone missed a quick restart whenever the restarted server had taken more
        calls than the old one by the next probe (a hub relay publishing at once at its
        start: 16.6 s, test_relay_hub_server_restart). The first look only finds the end."""
        try:
            with open(self.server.log_path, "rb") as log:
                log.seek(0, 2)
                end = log.tell()
                if end < self._log_read:  # a new log (the server started again here)
                    self._log_read = 0
                log.seek(self._log_read)
                new = log.read(end - self._log_read)
        except (OSError, AttributeError):
            return False
        first, self._log_read = self._log_read == 0, end
        made, closed = new.rfind(b"Leafnode connection created"), new.rfind(
            b"Leafnode connection closed")
        if first or made == closed:  # (both -1: neither)
            return False
        self._log_created |= made >= 0
        self._log_cut = closed > made
        return True

    def _change(self, up: bool, problem: str | None) -> None:
        self.up, self.problem = up, problem
        self.since = time.time()
        if up:
            self.hub_relay.linked()
        self.generation += 1

    def refused(self) -> str | None:
        """Why the hub's last answer to this leaf's link was no (in the leaf server's log):
        its token refused, or held by another host too; None if it was not."""
        lines = [line for line in self.server.log_text().splitlines()[-200:] if "Leafnode" in line
                 or "JetStream using domains" in line]
        for line in reversed(lines):
            if "Authorization Violation" in line:
                return REFUSED
            if "JetStream using domains" in line:
                break
        # The other host is pushed off in turn: this link was up a moment ago, and is again.
        if any("Duplicate Remote LeafNode Connection" in line and _logged_within(line, 10.0)
               for line in lines[-20:]):
            return SHARED
        return None

    def status(self, scanner: LocalScanner | None, running: bool) -> dict[str, Any]:
        # While the link is up, the link report's counts (made after each publish) and the batch
        # in hand: the batch alone said 2,000 (a scan's most) while 40,000 imported waited.
        # While it is down, its counts made again where a file moved: counting every group's
        # file at every status opened the files the relay keeps closed (kept_stores.py).
        unsent = None if scanner is None or not running else (
            max(scanner.pending, self.counted_unsent(False)) if self.up else self.counted_unsent(True))
        return {
            "host": self.config.name, "role": self.config.role, "running": running,
            "pid": os.getpid(), "updated": time.time(),
            "link": {"up": self.up, "since": self.since, "rtt_ms": self.rtt_ms,
                     "problem": self.problem, "hub_relay_silent_since": self.hub_relay_silent(),
                     "to": self.config.hub_name if self.config.role == "leaf" else None},
            "leaves": self.leaf_links.snapshot(),
            "unsent": unsent, "waiting": self.ledger.waiting_count(), "received": self.received,
            "rejected": self.ledger.rejected_counts(),
            "refused_at_hub": hub_refused_count(self.ledger.db),  # this host's, refused there
            "hub_offset_ms": self.hub_clock.offset_ms,  # the hub's clock less this host's
            "tunnel": self.tunnel.state() if self.tunnel is not None else None,
            "damaged": dict(scanner.damaged) if scanner is not None else {},
            "stores": scanner.stores.counts() if scanner is not None else None,
        }

    def write_status(self, scanner: LocalScanner | None, running: bool) -> None:
        write_private(relay_dir(self.hub) / "status.json",
                      json.dumps(self.status(scanner, running)))


def _logged_within(line: str, seconds: float) -> bool:
    """Whether a nats-server log line ("[pid] 2026/11/30 14:21:48.144510 [ERR] ...", local
    time) was written in the last `seconds`."""
    parts = line.split(" ", 3)
    try:
        logged = time.mktime(time.strptime(f"{parts[1]} {parts[2].split('.')[0]}",
                                           "%Y/%m/%d %H:%M:%S"))
    except (IndexError, ValueError, OverflowError):
        return False
    return time.time() - logged <= seconds + 1
