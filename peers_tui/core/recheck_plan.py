"""When the change notifier (core.notifier) looks again at a group whose files were written.

inotify tells of each write, before the commit is visible: the notifier reads the database a
moment later, and again 0.3, 0.6, 1, 2 ... 16 ms after (RECHECK_DELAYS), so that a commit
made visible late is still found. A small commit (a message: 6-10 writes over ~0.3 ms) is
found at the first look.

A large one is written over tens of milliseconds: a relay's backfill page of 1,000 rows took
30-70 ms of writes here, at load. Starting the looks over at every write (as the notifier
did) read the database 30-45 times a page, each time finding nothing (the commit is not
visible until its last frame), a wake-up of the app's watcher thread each, which then also
took the GIL from the UI thread during a key (R6c). So the looks keep their pace from the
*first* write of a burst: a write later in the burst adds only looks at least as far apart
as the burst is old (up to the last delay), and the look already due before those is kept,
so a burst that never pauses is still looked at every RECHECK_DELAYS[-1] at most. A look
that finds a commit ends the burst: the next write (the next message) is looked at quickly
again. A burst costs ~10 looks, however long it is.
"""

from __future__ import annotations

RECHECK_DELAYS = (0.0003, 0.0006, 0.001, 0.002, 0.004, 0.008, 0.016)
LONG_BURST = 0.002  # writes for longer than this: a large commit (a message's take ~0.3 ms)


class RecheckPlan:
    """Per key: the times of its next looks, and when its burst of writes began."""

    def __init__(self) -> None:
        self.looks: dict[str, list[float]] = {}
        self._since: dict[str, float] = {}  # key -> its burst's first write

    def written(self, key: str, now: float) -> None:
        """A write to `key`'s files was told at `now`."""
        age = now - self._since.setdefault(key, now)
        fresh = ([now + delay for delay in RECHECK_DELAYS if delay >= age]
                 or [now + RECHECK_DELAYS[-1]])
        # The earliest look already planned stays: later writes must not push it away.
        kept = [at for at in self.looks.get(key, ()) if at < fresh[0]][:1]
        self.looks[key] = kept + fresh

    def due(self, now: float) -> list[str]:
        """The keys with a look due by `now`."""
        return [key for key, looks in self.looks.items() if looks and looks[0] <= now]

    def found(self, key: str) -> None:
        """A look at `key` found a commit: its burst is over."""
        self._since.pop(key, None)

    def passed(self, now: float) -> None:
        """Drop the looks due by `now` (taken); a key with none left is quiet again."""
        for key in list(self.looks):
            left = [at for at in self.looks[key] if at > now]
            if left:
                self.looks[key] = left
            else:
                del self.looks[key]
                self._since.pop(key, None)

    def next(self) -> float | None:
        """When the next look is due, if any."""
        return min((looks[0] for looks in self.looks.values() if looks), default=None)

    def long_burst(self, now: float) -> bool:
        """Whether a key with looks planned has been written for longer than LONG_BURST: a
        large commit under way (its writer holds the file's write lock meanwhile)."""
        return any(now - since > LONG_BURST for key, since in self._since.items()
                   if key in self.looks)

    def forget(self, key: str) -> None:
        self.looks.pop(key, None)
        self._since.pop(key, None)
