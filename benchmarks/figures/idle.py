"""Figures 5 and 6: what a running, idle app costs, in a real terminal (tmux).

The app is started with the big group open (`peers open big`: it watches every listed group,
200 DBs at full size), the composer focused as it is on start. Once its newest row is on
screen it is left to settle, then its CPU time (utime + stime of all its threads, from
/proc/<pid>/stat) is read across `idle_window_s`, and its VmRSS at the end. The same is done
for the user with no groups; nothing else of the benchmark runs meanwhile (the tmux control
client is not polled during a window).

5. Idle CPU. Baseline: the stock way to notice commits by other processes, a process that
   keeps a connection to each of the same DBs and polls `PRAGMA data_version` every 50 ms.
6. Resident memory with the big group open. Baseline: the same app with no groups.
At 120 columns both apps show the buffer list (the groups at the left): 200 rows against one.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    Figure, Sizes, finish_worker, isolated_env, log, peers_command, ratio, spawn_worker,
    unmeasured,
)
from benchmarks.data import World, marker
from benchmarks.procstat import cpu_percent, rss_mb, status_kb
from benchmarks.tmux import Tmux, TmuxError

CPU_TARGET = 1.0        # percent of one core
CPU_OVER_EMPTY = 0.2    # percentage points above the app with no groups
RSS_TARGET_MB = 100.0
POLL_INTERVAL = 0.05


def _settle(sizes: Sizes) -> float:
    """Seconds left to the app after its first paint, for its start-up workers to finish."""
    return 3.0 if sizes.name == "full" else 0.5


def _idle_app(tmux: Tmux, argv: list[str], env: dict[str, str], needle: str,
              sizes: Sizes) -> dict[str, Any]:
    started = tmux.start(argv, env)
    try:
        try:
            shown: float | None = tmux.wait_for_text([needle], started, timeout=20)
        except TmuxError:
            if tmux.pane_dead():
                raise
            shown = None  # running but not showing its newest row: still measure it idle
        pid = tmux.pane_pid()
        settle_cpu = cpu_percent(pid, _settle(sizes))
        cpu = cpu_percent(pid, sizes.idle_window_s)
        return {"cpu_percent": cpu, "settle_cpu_percent": settle_cpu, "rss_mb": rss_mb(pid),
                "peak_rss_mb": status_kb(pid, "VmHWM") / 1024, "threads": status_kb(pid, "Threads"),
                "shown_ms": shown * 1000 if shown is not None else None}
    finally:
        tmux.stop()
        time.sleep(0.3)


def _warm_up(tmux: Tmux, argv: list[str], env: dict[str, str], needle: str) -> None:
    started = tmux.start(argv, env)
    try:
        tmux.wait_for_text([needle], started, timeout=20)
        time.sleep(2.0)  # what it imports after the first frame is compiled too
    except TmuxError:
        pass  # the measured start reports what is wrong
    finally:
        tmux.stop()
        time.sleep(0.3)


def measure(world: World, sizes: Sizes, tmux: Tmux | None) -> list[Figure]:
    cpu_title = f"idle CPU, app watching {sizes.groups} group DBs, composer focused"
    rss_title = f"resident memory, {sizes.groups} groups, the big group open, buffer list shown"
    cpu_target = f"<= {CPU_TARGET:g}% of a core and <= +{CPU_OVER_EMPTY:g} points over no groups"
    if tmux is None:
        reason = "tmux is not installed"
        return [unmeasured("idle_cpu", cpu_title, "% core", "data_version poller, 50 ms",
                           cpu_target, reason),
                unmeasured("rss", rss_title, "MB", "same app, no groups",
                           f"<= {RSS_TARGET_MB:.0f} MB", reason)]
    peers = peers_command()
    big_env = {"PEERS_HOME": str(world.home), "PEERS_HUB": str(world.hub)}
    # One uncounted start first, as the start-up figures have: run alone (`--only 5`) this
    # figure was the first start after the import, and compiling the byte-code cache spilled
    # into the window (4.6-7.2 % there against 0.8 % in the full run).
    _warm_up(tmux, peers + ["open", World.BIG], big_env, marker(World.BIG))
    log(f"figure 5/6: idle app with {sizes.groups} groups ({sizes.idle_window_s:g} s)")
    full = _idle_app(tmux, peers + ["open", World.BIG], big_env, marker(World.BIG), sizes)
    log("figure 5/6: idle app with no groups")
    empty = _idle_app(tmux, peers, {"PEERS_HOME": str(world.solo_home),
                                    "PEERS_HUB": str(world.solo_hub)}, marker("solo"), sizes)

    log("figure 5 baseline: data_version poller over the same DBs")
    from peers_tui.core.account import Account

    # The DBs the app watches: the user's listed groups (the hub also holds the second user's
    # personal group, which this user never sees).
    paths = sorted(str(e.db_path) for e in Account(world.home, world.hub).entries())
    duration = _settle(sizes) + sizes.idle_window_s + 1
    proc = spawn_worker("idle:worker_poller", {"paths": paths, "seconds": duration,
                                               "interval": POLL_INTERVAL},
                        isolated_env(world.root))
    time.sleep(_settle(sizes))
    poller_cpu = cpu_percent(proc.pid, sizes.idle_window_s)
    poller = finish_worker(proc, "idle:worker_poller", timeout=duration + 30)

    over = full["cpu_percent"] - empty["cpu_percent"]
    cpu_fig = Figure(
        "idle_cpu", cpu_title, "% core", full["cpu_percent"], poller_cpu,
        f"data_version poller, 50 ms, {len(paths)} DBs", cpu_target,
        full["cpu_percent"] <= CPU_TARGET and over <= CPU_OVER_EMPTY,
        ratio(full["cpu_percent"], poller_cpu),
        {"no_groups_cpu_percent": empty["cpu_percent"], "points_over_no_groups": over,
         "window_s": sizes.idle_window_s, "app": full, "no_groups_app": empty,
         "poller_polls": poller["polls"], "dbs": len(paths)})
    rss_fig = Figure(
        "rss", rss_title, "MB", full["rss_mb"], empty["rss_mb"], "same app, no groups",
        f"<= {RSS_TARGET_MB:.0f} MB", full["rss_mb"] <= RSS_TARGET_MB,
        ratio(full["rss_mb"], empty["rss_mb"]),
        {"peak_rss_mb": full["peak_rss_mb"], "no_groups_peak_rss_mb": empty["peak_rss_mb"]})
    return [cpu_fig, rss_fig]


def worker_poller(args: dict[str, Any]) -> dict[str, Any]:
    """Poll PRAGMA data_version on a connection to each DB every `interval` seconds."""
    connections = [sqlite3.connect(f"file:{Path(p)}?mode=ro", uri=True) for p in args["paths"]]
    seen = [c.execute("PRAGMA data_version").fetchone()[0] for c in connections]
    interval, end = args["interval"], time.monotonic() + args["seconds"]
    polls = changes = 0
    next_tick = time.monotonic()
    while next_tick < end:
        next_tick += interval
        time.sleep(max(0.0, next_tick - time.monotonic()))
        for index, connection in enumerate(connections):
            version = connection.execute("PRAGMA data_version").fetchone()[0]
            if version != seen[index]:
                seen[index], changes = version, changes + 1
        polls += 1
    return {"polls": polls, "changes": changes}
