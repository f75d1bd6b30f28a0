"""The relay's `.link.json` writer (relay/link_report.py) while messages flow, without NATS:
what every delivered message costs it, and that a change still reaches the file in time."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from peers_tui.core.hub_refused import host_stamp
from peers_tui.core.link_state import (
    Arrival, GroupSync, LinkState, link_path, read_link_state, write_link_state,
)
from peers_tui.relay import link_report
from peers_tui.relay.config import RelayConfig
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.ledger import Ledger
from peers_tui.relay.hub_heard import HubHeard
from peers_tui.relay.link_report import LinkReporter
from peers_tui.relay.local import LocalScanner

GROUP = "a" * 26
STAMP = (1_796_451_399_688, 54_408_807, "9d5e0d7c-a55a-404e-a52b-ec873ac08dd1")  # (h-clockcap)


@dataclass
class Link:
    """What the reporter reads of relay.link.LinkState (a link that stays up)."""

    up: bool = True
    since: float = 0.0
    rtt_ms: float | None = 1.0
    problem: str | None = None
    hub_clock: Any = field(default_factory=lambda: SimpleNamespace(offset_ms=None))
    hub_relay: HubHeard = field(default_factory=HubHeard)  # heard: never silent here

    def hub_relay_silent(self) -> float | None:
        return None


def message(n: int) -> Envelope:
    return Envelope(GROUP, "msg", json.dumps({"id": f"01M{n:04d}"}), b"", None, "B")


def test_the_file_holds_every_field_as_documented(tmp_path: Path) -> None:
    """Written field by field (not dataclasses.asdict): the same object, read back equal."""
    (tmp_path / ".relay").mkdir()
    state = LinkState(host="C", role="leaf", pid=1, running=True, updated=5.0, up=False,
                      since=4.0, rtt_ms=None, to="A", problem="token refused",
                      groups={GROUP: GroupSync(3, 7, "01F", 0.25, refused=2, refused_ids=("01X",),
                                                 refused_by=(("a" * 52, 1),),
                                                 unsent_by=(("b" * 52, 2),), void=1,
                                                 void_ids=("01X",), void_by=(("a" * 52, 1),)),
                              "b" * 26: GroupSync()},
                      arrivals=(Arrival(GROUP, "B", 2, "01A", "01B", 3.5),),
                      hub_offset_ms=-10_800_000, host_clock=STAMP)
    assert state.to_json() == {
        "hub_offset_ms": -10_800_000, "host_clock": STAMP, "host": "C", "role": "leaf", "pid": 1, "running": True, "updated": 5.0, "up": False,
        "since": 4.0, "rtt_ms": None, "to": "A",
        "groups": {GROUP: {"unsent": 3, "sent": 7, "frontier": "01F", "receiving": 0.25,
                           "invites": 0, "passed": None, "refused": 2, "refused_ids": ("01X",),
                           "refused_by": (("a" * 52, 1),), "unsent_by": (("b" * 52, 2),),
                           "void": 1, "void_ids": ("01X",), "void_by": (("a" * 52, 1),)},
                   "b" * 26: {"unsent": 0, "sent": 0, "frontier": None, "receiving": None,
                              "invites": 0, "passed": None, "refused": 0, "refused_ids": (), "refused_by": (),
                              "unsent_by": (), "void": 0, "void_ids": (), "void_by": ()}},
        "arrivals": [{"group": GROUP, "host": "B", "count": 2, "oldest": "01A",
                      "newest": "01B", "at": 3.5}],
        "problem": "token refused", "hub_relay_silent": None, "v": 1}
    write_link_state(tmp_path, state)
    assert read_link_state(tmp_path) == state
    # first in the file, where the lean `peers send` reads it without a parse (hub_refused)
    assert link_path(tmp_path).read_bytes().startswith(b'{"hub_offset_ms":-10800000,')
    # ...and the host's clocks after it, read so too (h-clockcap)
    assert host_stamp(link_path(tmp_path).read_bytes()) == STAMP


async def test_a_flow_of_messages_wakes_the_writer_once_and_is_written_in_time(
        tmp_path: Path, monkeypatch) -> None:
    """While a write waits for its turn (one a MIN_INTERVAL), more delivered messages do not
    wake the writer's loop again (each wake-up was a new timer and a pass of the loop a
    message); the waiting write still comes one MIN_INTERVAL after the last, with every
    arrival in it. A change while nothing waits wakes the loop (its sleep was a heartbeat)."""
    monkeypatch.setattr(link_report, "MIN_INTERVAL", 0.3)
    (tmp_path / ".relay").mkdir()
    ledger = Ledger(tmp_path / ".relay" / "relay.db")
    scanner = LocalScanner(tmp_path, "C", ledger)
    reporter = LinkReporter(tmp_path, RelayConfig("leaf", "C", 4222, hub_name="A"), Link(),
                            ledger, scanner)
    passes, stop = 0, asyncio.Event()

    async def loop() -> None:  # the runner's _forever: the flag as well (wait_for, 3.11)
        nonlocal passes
        while not stop.is_set():
            await reporter.tick()
            passes += 1

    task = asyncio.create_task(loop())
    try:
        await asyncio.sleep(0.05)  # the first write, then asleep for a heartbeat
        first = reporter.written_at
        assert first > 0 and not reporter.dirty
        started = passes
        reporter.arrived(GROUP, [message(0)])  # right after a write: it waits for its turn
        assert reporter.dirty and reporter.written_at == first
        assert reporter.woken.is_set()  # the loop slept for a heartbeat: woken to wait less
        await asyncio.sleep(0.01)
        woken_once = passes
        for n in range(1, 20):
            reporter.arrived(GROUP, [message(n)])
            assert not reporter.woken.is_set()
            await asyncio.sleep(0.005)
        assert passes == woken_once <= started + 1
        deadline = time.monotonic() + 3
        while reporter.written_at == first and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert 0.25 <= reporter.written_at - first < 1.0  # its turn, not the heartbeat
        written = json.loads(link_path(tmp_path).read_text())
        assert sum(a["count"] for a in written["arrivals"]) == 20
    finally:
        stop.set()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        scanner.close()
        ledger.close()


async def test_the_link_going_up_is_written_at_once_though_a_write_was_just_made(
        tmp_path: Path, monkeypatch) -> None:
    """The relay writes the file as it starts (link down), and its first probe finds the
    link up a moment later: that waited for the next turn (MIN_INTERVAL), and users read
    offline meanwhile what `relay status` said up (~0.75 s; a join on the host was refused
    at once for it). A change of the link itself is written at once; others wait."""
    monkeypatch.setattr(link_report, "MIN_INTERVAL", 30.0)
    (tmp_path / ".relay").mkdir()
    ledger = Ledger(tmp_path / ".relay" / "relay.db")
    scanner = LocalScanner(tmp_path, "C", ledger)
    link = Link(up=False)
    reporter = LinkReporter(tmp_path, RelayConfig("leaf", "C", 4222, hub_name="A"), link,
                            ledger, scanner)
    try:
        reporter.write()  # the start's write
        assert read_link_state(tmp_path).up is False
        reporter.arrived(GROUP, [message(0)])  # another change: waits for its turn
        assert reporter.dirty
        link.up, link.since = True, time.time()
        reporter.changed(at_once=True)  # as link_upkeep says a probe's new word
        state = read_link_state(tmp_path)
        assert state is not None and state.up and not reporter.dirty
    finally:
        scanner.close()
        ledger.close()
