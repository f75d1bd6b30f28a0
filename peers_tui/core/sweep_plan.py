"""The change notifier's (core.notifier) safety net: which groups and folders its next stat
sweep looks at, and when that sweep is due.

Separate from the notifier's event loop because it is a schedule of its own: a key that had
an event is swept for SETTLE_SWEEPS sweeps after its last one (a commit that became visible
after the re-checks, its writer preempted), then left alone; while no key had an event lately
there is no sweep at all and the thread sleeps until an event (200 groups swept every second
were most of an idle app's cost). Without inotify, or once events were lost, every key is
swept at every sweep.
"""

from __future__ import annotations

from collections.abc import Iterable

SETTLE_SWEEPS = 3  # sweeps of a group (or folder) after its last event: then it is left alone


class SweepPlan:
    """The keys left to settle (key -> sweeps left) and the time of the next sweep."""

    def __init__(self, interval: float, always: bool, now: float) -> None:
        self.interval = interval
        # What the next sweeps look at (group ids and folder keys -> sweeps left): those that
        # had an event lately. `always`: all of them (no inotify, or events were lost).
        self.unsettled: dict[str, int] = {}
        self.always = always
        self.next: float | None = None
        self.schedule(now)

    def unsettle(self, key: str, now: float) -> None:
        """An event for `key`: sweep it for the next SETTLE_SWEEPS sweeps."""
        self.unsettled[key] = SETTLE_SWEEPS
        if self.next is None:
            self.next = now + self.interval

    def schedule(self, now: float) -> None:
        """The next sweep, or none at all while no key had an event lately."""
        busy = self.always or self.unsettled
        self.next = now + self.interval if busy else None

    def lost(self, now: float) -> None:
        """Events were lost, or a watched directory went: sweep everything from now on."""
        self.always = True
        self.schedule(now)

    def keys(self, *watched: Iterable[str]) -> list[str]:
        """What this sweep looks at, of the keys `watched`."""
        return [key for keys in watched for key in keys] if self.always else list(self.unsettled)

    def settle(self, changed: set[str]) -> None:
        """After a sweep: a key that changed again starts over, the others count down."""
        for key in list(self.unsettled):
            left = SETTLE_SWEEPS if key in changed else self.unsettled[key] - 1
            if left > 0:
                self.unsettled[key] = left  # still moving: go on looking
            else:
                del self.unsettled[key]
