"""The scheduler slice of a backfill's busy threads: short, so a user's keystroke waits less.

A walk keeps the relay's event loop busy for tens of seconds (a page applied every ~0.2 s)
and its signature checks busy on another thread. Linux' scheduler (EEVDF, 6.6+) lets a
running task finish its slice (1.4 ms on the 2-core test machine) before a task that wakes on
the same core may run, and each hop of a keystroke (tmux, the app's threads) that wakes behind
a walk's thread can wait that long. A thread may shorten its own slice (`sched_setattr`'s
`sched_runtime`, no privilege needed): its weight, and so its share of the CPU, stays what it
was; only the time it keeps a core from a task that wakes gets shorter. Elsewhere (another
kernel, another system, a seccomp filter) nothing changes.
"""

from __future__ import annotations

import ctypes
import os
import platform
import struct
import threading

WALK_SLICE_NS = 100_000  # the least the kernel accepts (0.1 ms)
DEFAULT = 0  # the kernel's own slice
_SYSCALL = {"x86_64": 314, "aarch64": 274}.get(platform.machine())
_SCHED_NORMAL = 0
_ATTR_SIZE = 48  # SCHED_ATTR_SIZE_VER0: up to sched_period


def set_own_slice(ns: int) -> bool:
    """Ask for a slice of `ns` nanoseconds for the calling thread (DEFAULT: the kernel's own),
    at its present nice; whether the kernel took it."""
    if _SYSCALL is None or not hasattr(os, "getpriority"):
        return False
    try:
        nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        attr = ctypes.create_string_buffer(
            struct.pack("=IIQiIQQQ", _ATTR_SIZE, _SCHED_NORMAL, 0, nice, 0, ns, 0, 0), _ATTR_SIZE)
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.syscall(_SYSCALL, 0, attr, 0)) == 0
    except (OSError, AttributeError):
        return False


def in_walk() -> None:
    """For a thread that does a walk's work (a pool's initializer, or the loop as a walk starts)."""
    set_own_slice(WALK_SLICE_NS)
