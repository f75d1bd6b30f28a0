"""The hub's clock, for this host's writers (docs/relay.md, "The hub's clock for writers
(h-hubclock)").

The hub refuses a record signed more than a day past ITS clock (message_rules.AHEAD_OF_HUB),
and a writer follows no row signed more than a day past the clock it bounds by. With its own
clock that bound was the hub's only while the two clocks agreed: a host whose clock ran 3 h
fast followed a row signed 26 h ahead (23 h past its clock, refused at the hub), so its users'
messages took ids 26 h ahead, were taken by the hub (signed at their clock, 3 h ahead) and
followed by every host. So the leaf's relay measures the hub's clock less its own at each
link and every REMEASURE seconds while linked: the hub stamps its answer to the leaf's
question for its refusals (hub_refusals.py, MAC'd with the leaf's credential) with its time,
and the leaf takes the middle of the round trip as the moment it was read. An answer after
more than MAX_RTT_MS is not used (the estimate is off by half the round trip at most); an
offset past core.hub_refused.HUB_OFFSET_BOUND is not believed. The relay publishes it at the
head of `<hub>/.link.json` (core.link_state, read by core.hub_refused) and keeps it in its
ledger across restarts, so a writer has it while the relay is stopped or the link down (the
clocks' difference moves slowly; a clock stepped meanwhile is known at the next link). On the
hub it is 0: the hub's clock is the host's. No relay, no offset: the writer's own clock.

With it, at each write of the file, the relay stamps this host's wall clock and its boot
clock read together (`host_clock_stamp`): a writer tells from them how far its own clock runs
past the hub's, and signs nothing more than a day past it (core.hub_refused.check_clock;
docs/relay.md, "A writer's clock bounded by its host's relay (h-clockcap)").
"""

from __future__ import annotations

import sys
import time
from typing import Any

from peers_tui.core.encoding import now_ms
from peers_tui.core.hub_refused import HUB_OFFSET_BOUND, boot_clock_ms, boot_id

MAX_RTT_MS = 2000
REMEASURE = 600.0  # seconds between measures while the link stays up
KEY = "hub_offset_ms"  # in the ledger's positions
MOVED_MS = 1000  # a move smaller than this waits for the link file's next write


class HubClock:
    def __init__(self, db: Any, is_hub: bool) -> None:
        self.db = db
        self.measured_at: float | None = None  # time.monotonic() of the last measure
        row = None if is_hub else db.execute("SELECT value FROM positions WHERE key = ?",
                                             (KEY,)).fetchone()
        self.offset_ms: int | None = 0 if is_hub else (
            int(row[0]) if row is not None and abs(int(row[0])) <= HUB_OFFSET_BOUND else None)

    def due(self) -> bool:
        """Whether the leaf should measure again (never measured, or REMEASURE ago)."""
        return self.measured_at is None or time.monotonic() - self.measured_at >= REMEASURE

    def heard(self, asked_ms: int, hub_ms: Any, answered_ms: int) -> bool:
        """An answer stamped `hub_ms` by the hub, asked at `asked_ms` and answered at
        `answered_ms` by this host's clock: True when the offset moved enough to publish now."""
        self.measured_at = time.monotonic()  # asked again REMEASURE from now, whatever it was
        if isinstance(hub_ms, bool) or not isinstance(hub_ms, int):
            return False  # a hub from before this: no stamp
        if not 0 <= answered_ms - asked_ms <= MAX_RTT_MS:
            return False  # too slow to tell (or this host's clock stepped meanwhile)
        offset = hub_ms - (asked_ms + answered_ms) // 2
        if abs(offset) > HUB_OFFSET_BOUND:
            print(f"peers relay: the hub's clock is {offset / 3_600_000:+.1f} h from this "
                  "host's: not believed (this host's writers bound by their own)",
                  file=sys.stderr, flush=True)
            offset_now: int | None = None
        else:
            offset_now = offset
        before, self.offset_ms = self.offset_ms, offset_now
        if offset_now is None:
            self.db.execute("DELETE FROM positions WHERE key = ?", (KEY,))
        else:
            self.db.execute("INSERT OR REPLACE INTO positions (key, value) VALUES (?, ?)",
                            (KEY, offset_now))
        if before is None or offset_now is None:
            return before != offset_now
        return abs(offset_now - before) >= MOVED_MS


_boot: list[str | None] = []  # this boot's id, read once: no process outlives its boot


def host_clock_stamp() -> tuple[int, int, str] | None:
    """(this relay's wall clock in ms, the host's boot clock in ms, the boot's id), the two
    clocks read one after the other; None where /proc tells no boot clock (not Linux): the
    writers then sign as before. The relay's wall clock is the one the offset is measured
    from (its `now_ms`, as `heard` is given), so stamp plus offset is the hub's clock."""
    if not _boot:
        _boot.append(boot_id())
    boot, wall = boot_clock_ms(), now_ms()
    if boot is None or _boot[0] is None:
        return None
    return wall, boot, _boot[0]


__all__ = ["HubClock", "MAX_RTT_MS", "REMEASURE", "host_clock_stamp"]
