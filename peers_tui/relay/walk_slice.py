"""The scheduler slice and priority of a backfill's busy threads: so a user's keystroke waits less.

A walk keeps the relay's event loop busy for tens of seconds (a page applied every ~0.2 s)
and its signature checks busy on another thread. Linux' scheduler (EEVDF, 6.6+) lets a
running task finish its slice (1.4 ms on the 2-core test machine) before a task that wakes on
the same core may run, and each hop of a keystroke (tmux, the app's threads) that wakes behind
a walk's thread can wait that long. A thread may shorten its own slice (`sched_setattr`'s
`sched_runtime`, no privilege needed): its weight, and so its share of the CPU, stays what it
was; only the time it keeps a core from a task that wakes gets shorter. Elsewhere (another
kernel, another system, a seccomp filter) nothing changes.

The threads that do nothing but a walk's work (the signature checks, and the apply of each
page: relay.backfill) also lower their own priority (nice 10, per thread on Linux; raising
one's nice needs no privilege, lowering it again would, hence threads of their own). A page
waits longer for its core when a user's app wants it; the relay's event loop, which carries
live records between the pages, keeps its priority. The joining relay reniced whole from
outside gave the composer's echo during a backfill 1.02x its idle echo (docs/performance.md).
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


def in_walk() -> None:
    """For a thread that does a walk's work (a pool's initializer, or the loop as a walk starts)."""
    set_own_slice(WALK_SLICE_NS)


def in_background_walk() -> None:
    """For a pool's thread that does only a walk's work: the walk's slice, at a lower priority
    (the slice is set after the nice: set_own_slice keeps the thread's nice as it finds it)."""
    lower_own_priority()
    set_own_slice(WALK_SLICE_NS)
