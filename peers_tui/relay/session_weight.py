"""The relay's share of the CPU while it walks a backfill: its session's weight, lowered.

A join's backfill keeps the relay busy for a while (~16 s of CPU per 100,000 messages on its
event loop, more on the signature threads), and the user who joined is typing into the app
on the same host meanwhile. Linux with autogroup (`/proc/sys/kernel/sched_autogroup_enabled`
= 1, the default of most distributions) shares the CPU between *sessions* first: a thread's
nice weighs only against the threads of its own session, so a backfill on niced threads still
took its session's whole share (branch h-backfillprio: a gain within the noise). What weighs
is the session's own nice, `/proc/self/autogroup`: any process may raise it and bring it back
down to where it was (only below 0 needs privilege); an unprivileged writer gets one change
per 100 ms across the machine (EAGAIN before that: tried again a little later).

So while at least one walk runs, the relay raises it to BACKFILL_NICE, and puts back what it
found when the last walk ends. Only when the relay leads its own session (a systemd unit,
`tmux new-window 'peers relay'`, `setsid peers relay`): inside another program's session (a
shell script, a test run) the nice would slow that program down with it, and nothing changes.
The relay's live path weighs less during a walk too, which shows only while the cores are
contended: on an idle machine a lower weight takes nothing away.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

AUTOGROUP = Path("/proc/self/autogroup")
BACKFILL_NICE = 10
RETRY_S = 0.12  # the kernel's rate limit for unprivileged writers is 100 ms


def read_nice(path: Path = AUTOGROUP) -> int | None:
    """The session's nice (`/autogroup-123 nice 0`), or None where there is no such file."""
    try:
        return int(path.read_text().split()[-1])
    except (OSError, ValueError, IndexError):
        return None


def write_nice(nice: int, path: Path = AUTOGROUP) -> bool | None:
    """Set the session's nice: True if done, False if the kernel asks to try again later,
    None if refused (or no such file)."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError:
        return None
    try:
        os.write(fd, str(nice).encode())
        return True
    except BlockingIOError:
        return False
    except OSError:
        return None
    finally:
        os.close(fd)


def leads_session() -> bool:
    return os.getsid(0) == os.getpid()


class SessionWeight:
    """Counts the walks under way; the session's nice follows (on the relay's event loop)."""

    def __init__(self, nice: int = BACKFILL_NICE, path: Path = AUTOGROUP) -> None:
        self.nice = nice
        self.path = path
        self.walks = 0
        self.base: int | None = None  # the nice found before the first walk; None: not ours to change
        self.current: int | None = None  # the nice last written (or found)
        self._retry: asyncio.TimerHandle | None = None

    def hold(self) -> None:
        """A walk starts: the session weighs less from now on (when the relay leads it)."""
        self.walks += 1
        if self.base is None and leads_session():
            found = read_nice(self.path)
            if found is not None and found < self.nice:
                self.base = self.current = found
        self._settle()

    def release(self) -> None:
        """A walk ended: once none is left, the session's nice is put back."""
        self.walks = max(0, self.walks - 1)
        self._settle()

    def _settle(self) -> None:
        self._retry = None
        if self.base is None:
            return
        want = self.nice if self.walks else self.base
        if want == self.current:
            return
        done = write_nice(want, self.path)
        if done:
            self.current = want
        elif done is None:
            self.base = None  # refused: leave the session alone from now on
        else:
            try:
                self._retry = asyncio.get_running_loop().call_later(RETRY_S, self._settle)
            except RuntimeError:  # no loop left (the relay is stopping): its session ends with it
                pass
