"""The soak's faults: a leaf's relay or nats-server stopped (SIGSTOP) for a while, a leaf's or
the hub's relay killed (SIGKILL) and restarted later; each healed when its time comes."""

from __future__ import annotations

import os
import signal
import time

from scripts.soak.hosts import hosts, start
from scripts.soak.journal import counts, fault_kinds, note, rng
from tests import relay_helpers as rh

paused: list[tuple[float, int, str]] = []  # (resume at, pid, what)
dead: list[tuple[float, rh.Host]] = []


def fault() -> None:
    A, B, C = hosts
    kind = rng.choices(["stop_relay", "stop_nats", "kill_leaf", "kill_hub"], [3, 3, 2, 1])[0]
    h = rng.choice([B, C]) if kind != "kill_hub" else A
    if h.process is None or h.process.poll() is not None or any(x is h for _, x in dead):
        return
    counts["faults"] += 1
    fault_kinds[kind] += 1
    if kind in ("stop_relay", "stop_nats"):
        try:
            pid = h.process.pid if kind == "stop_relay" else h.nats_pid()
        except (OSError, ValueError):
            return
        if any(p == pid for _, p, _ in paused):
            return
        dur = rng.uniform(1, 20)
        os.kill(pid, signal.SIGSTOP)
        paused.append((time.monotonic() + dur, pid, f"{kind} {h.name}"))
        note(f"FAULT {kind} {h.name} pid {pid} for {dur:.1f}s")
    else:
        for item in list(paused):  # anything stopped resumed first, so the kill is clean
            try:
                os.kill(item[1], signal.SIGCONT)
            except OSError:
                pass
            paused.remove(item)
        h.process.send_signal(signal.SIGKILL)
        h.process.wait(10)
        down = rng.uniform(0.5, 10) if kind == "kill_leaf" else rng.uniform(0.2, 3)
        dead.append((time.monotonic() + down, h))
        note(f"FAULT {kind} {h.name} down {down:.1f}s")


def tick_faults(force: bool = False) -> None:
    now = time.monotonic()
    for item in list(paused):
        if force or item[0] <= now:
            try:
                os.kill(item[1], signal.SIGCONT)
            except OSError:
                pass
            paused.remove(item)
            note(f"resume {item[2]}")
    for item in list(dead):
        if force or item[0] <= now:
            dead.remove(item)
            start(item[1])
            note(f"restarted {item[1].name}")
