"""The priority of a backfill's busy threads, so a user's keystroke waits less.

The threads that do nothing but a walk's work (the signature checks ahead of each page:
relay.signatures) lower their own priority (nice 10, per thread on Linux; raising one's
nice needs no privilege, lowering it again would, hence threads of their own). A page waits
longer for its core when a user's app wants it; the relay's event loop, which carries live
records between the pages, keeps its priority.

They keep the kernel's own scheduler slice. They used to ask for the shortest one
(`sched_setattr`'s `sched_runtime`, 0.1 ms), meaning to hand the core back
sooner; but Linux' scheduler (EEVDF, 6.6+) picks the runnable task with the earliest virtual
deadline, a slice after the task's start, so a short slice made the walk's threads *win*
the core against the app waking for a key. Without it the composer's echo during a
100,000-message backfill went from 1.68-1.83x its idle echo to 1.20-1.21x in the runs of
that day, which a quiet machine did not confirm later (1.67-1.84x: docs/performance.md, "R6a
with the page applies on the walk's thread again"; tests/core/test_walk_priority.py).
"""

from __future__ import annotations

import os
import threading

BACKGROUND_NICE = 10


def lower_own_priority(nice: int = BACKGROUND_NICE) -> bool:
    """Raise the calling thread's nice to `nice` (never lowers it); whether it took."""
    if not hasattr(os, "setpriority"):
        return False
    try:
        tid = threading.get_native_id()
        if os.getpriority(os.PRIO_PROCESS, tid) < nice:
            os.setpriority(os.PRIO_PROCESS, tid, nice)
        return True
    except OSError:
        return False


def in_background_walk() -> None:
    """For a pool's thread that does only a walk's work: a lower priority, the kernel's slice."""
    lower_own_priority()
