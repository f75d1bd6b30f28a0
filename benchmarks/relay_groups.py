"""Relay memory and idle CPU against the number of groups (issue 15's R4 with many groups).

A hub A and a leaf B (benchmarks/relay_hosts.Host), bob on B founding N groups before the
relays start; once every group is on the hub and nothing is unsent on B, SETTLE_S to settle,
then each relay's and nats-server's CPU over the window (from /proc: CPU time, which a loaded
machine distorts far less than wall time) and their RSS. Prints one line per N, the figure of
one group beside each.

`python -m benchmarks.relay_groups [--groups 1,20,200] [--window 30]`; the relays run the
tree this module is in (isolated_env's PYTHONPATH), with PEERS_RELAY_OPEN_GROUPS as set.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import tempfile
import time
from pathlib import Path

from benchmarks.common import log
from benchmarks.relay_hosts import Host, proc_cpu_s, proc_rss_mb

SETTLE_S = 5.0
READY_S = 600.0


def _found(host: Host, home: Path, count: int) -> None:
    """bob founds `count` groups on B, in this process (a `peers` process each was ~1 s)."""
    from peers_tui.cli import main

    saved = dict(os.environ)
    os.environ.update(host.env(home))
    try:
        for i in range(count):
            with contextlib.redirect_stdout(io.StringIO()):
                code = main(["--home", str(home), "--hub", str(host.hub), "create", f"g{i:03d}"])
            if code != 0:
                raise RuntimeError(f"create g{i:03d} failed ({code})")
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _wait(what: str, done: object) -> None:
    deadline = time.monotonic() + READY_S
    while not done():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.5)


def measure(root: Path, groups: int, window: float) -> dict[str, float]:
    from peers_tui.testing.ports import leased_port

    a, b = Host("A", root / "A", root), Host("B", root / "B", root)
    for host in (a, b):
        host.hub.mkdir(parents=True)
    a.peers("relay", "init", "--hub", "--name", "A", "--listen", f"127.0.0.1:{leased_port()}",
            "--client-port", str(leased_port()))
    token = a.peers("relay", "token", "--name", "B").stdout.strip()
    b.peers("relay", "init", "--leaf", token, "--name", "B", "--client-port", str(leased_port()))
    _found(b, b.user("bob"), groups)
    try:
        began = time.monotonic()
        a.start()
        b.start()
        _wait("every group on the hub", lambda: len(list(a.hub.glob("*.db"))) >= groups)
        _wait("nothing unsent on B", lambda: b.status().get("unsent") == 0)
        up_s = time.monotonic() - began
        start_cpu = proc_cpu_s(b.relay_pid())
        time.sleep(SETTLE_S)
        pids = {"B": (b.relay_pid(), b.nats_pid()), "A": (a.relay_pid(), a.nats_pid())}
        before = {name: [proc_cpu_s(pid) for pid in pair] for name, pair in pids.items()}
        started = time.perf_counter()
        time.sleep(window)
        took = time.perf_counter() - started
        figures = {"groups": groups, "up_s": up_s, "b_start_cpu_s": start_cpu,
                   "load": os.getloadavg()[0]}
        for name, pair in pids.items():
            for what, pid, used in zip(("relay", "server"), pair, before[name]):
                key = f"{name.lower()}_{what}"
                figures[f"{key}_cpu_pct"] = (proc_cpu_s(pid) - used) / took * 100
                figures[f"{key}_rss_mb"] = proc_rss_mb(pid)
        stores = b.status().get("stores")  # (None before kept_stores.py)
        figures["b_open"] = float(stores["open"]) if isinstance(stores, dict) else -1.0
        # Started again: every group seen before (a first start also fetches what the hub
        # has of each group new to the relay), CPU until it is idle again.
        b.stop()
        b.start()
        _wait("nothing unsent on B again", lambda: b.status().get("unsent") == 0)
        time.sleep(SETTLE_S)
        figures["b_restart_cpu_s"] = proc_cpu_s(b.relay_pid())
        return figures
    finally:
        b.stop()
        a.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", default="1,20,200")
    parser.add_argument("--window", type=float, default=30.0)
    args = parser.parse_args()
    rows = []
    for groups in [int(n) for n in args.groups.split(",")]:
        with tempfile.TemporaryDirectory(prefix="peers-relay-groups-") as tmp:
            log(f"relay groups: {groups} groups on leaf B")
            rows.append(measure(Path(tmp), groups, args.window))
    one = rows[0]
    for row in rows:
        print(f"{int(row['groups']):4d} groups: B relay {row['b_relay_rss_mb']:.1f} MB + server "
              f"{row['b_server_rss_mb']:.1f} MB = {row['b_relay_rss_mb'] + row['b_server_rss_mb']:.1f}"
              f" (1 group: {one['b_relay_rss_mb'] + one['b_server_rss_mb']:.1f}); hub A "
              f"{row['a_relay_rss_mb']:.1f} + {row['a_server_rss_mb']:.1f} MB; idle B "
              f"{row['b_relay_cpu_pct']:.2f} % + {row['b_server_cpu_pct']:.2f} %, A "
              f"{row['a_relay_cpu_pct']:.2f} % + {row['a_server_cpu_pct']:.2f} %; B start CPU "
              f"{row['b_start_cpu_s']:.2f} s (again: {row['b_restart_cpu_s']:.2f} s), up in "
              f"{row['up_s']:.1f} s; B open stores "
              f"{row['b_open']:.0f}; load {row['load']:.1f}", flush=True)


if __name__ == "__main__":
    main()
