"""CPU time and resident memory of another process, read from /proc (Linux)."""

from __future__ import annotations

import os
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of every thread of `pid` so far (/proc/<pid>/stat fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as handle:
        # The command name (field 2) may hold spaces; the fields after its ')' are plain.
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def status_kb(pid: int, key: str) -> int:
    """A number from /proc/<pid>/status (kB for the Vm* keys; a count for Threads)."""
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def rss_mb(pid: int) -> float:
    return status_kb(pid, "VmRSS") / 1024


def cpu_percent(pid: int, window: float) -> float:
    """Percent of one core used by `pid` over the next `window` seconds."""
    before, start = cpu_seconds(pid), time.monotonic()
    time.sleep(window)
    after, end = cpu_seconds(pid), time.monotonic()
    return 100 * (after - before) / (end - start)
