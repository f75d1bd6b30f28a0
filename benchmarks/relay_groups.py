"""Relay memory and idle CPU against the number of groups (issue 15's R4 with many groups).

A hub A and a leaf B (benchmarks/relay_hosts.Host), bob on B founding N groups before the
relays start; once every group is on the hub and nothing is unsent on B, SETTLE_S to settle,
then each relay's and nats-server's CPU over the window (from /proc: CPU time, which a loaded
machine distorts far less than wall time) and their RSS. Prints one line per N, the figure of
one group beside each.

`python -m benchmarks.relay_groups [--groups 1,20,200] [--window 30]`; the relays run the
tree this module is in (isolated_env's PYTHONPATH), with PEERS_RELAY_OPEN_GROUPS as set.

The hub with many groups and several leaves idle (issue 15: relay idle <= 1 % of a core; the
eleventh acceptance pass's hub of 201 groups and three leaves): `--groups 200 --leaves 3
--samples 4` links leaves C and D beside B, each founding one group of its own, and prints a
line per window of the hub's relay + server CPU beside the target (docs/relay.md, "Idle with
many groups and leaves"). Not a row of `python -m benchmarks`: setting up 200 groups and four
hosts takes 1-4 min on a loaded machine, before the windows. `--hold S` waits S s idle before
the windows, the pids on stderr, to profile them (py-spy, perf).

B's relay start, CPU time from /proc: the first (every group new to it: each published, its
history asked of the hub) until nothing is unsent, and started again (every group seen
before) until nothing is unsent and SETTLE_S more, each beside the one-group figures of the
same run (`--groups 1,200`).
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
IDLE_TARGET_PCT = 1.0  # issue 15: relay idle CPU <= 1 % of a core (here relay + its server)
READY_S = 600.0
START_TARGET_S = 1.0  # a relay's start with 200 groups, CPU (docs/relay.md, "h-relaystart")


def _found(host: Host, home: Path, count: int, prefix: str = "g") -> None:
    """bob founds `count` groups on B, in this process (a `peers` process each was ~1 s)."""
    from peers_tui.cli import main

    saved = dict(os.environ)
    os.environ.update(host.env(home))
    try:
        for i in range(count):
            with contextlib.redirect_stdout(io.StringIO()):
                name = f"{prefix}{i:03d}"
                code = main(["--home", str(home), "--hub", str(host.hub), "create", name])
            if code != 0:
                raise RuntimeError(f"create {name} failed ({code})")
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _wait(what: str, done: object) -> None:
    deadline = time.monotonic() + READY_S
    while not done():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.5)


Sample = tuple[float, float, float]  # the hub's relay % of a core, its server's, load average


def measure(root: Path, groups: int, window: float, leaves: int = 1, count: int = 1,
            hold: float = 0.0) -> tuple[dict[str, float], list[Sample]]:
    """The figures of the last idle window, and the hub's of every window (`count`)."""
    from peers_tui.testing.ports import leased_port

    a, b = Host("A", root / "A", root), Host("B", root / "B", root)
    # Leaves beside B (C, D, ...): each links to the hub with one group of its own, as the
    # acceptance pass's C and E did; the hub then holds groups + leaves - 1 groups.
    others = [Host(chr(ord("C") + i), root / chr(ord("C") + i), root) for i in range(leaves - 1)]
    for host in (a, b, *others):
        host.hub.mkdir(parents=True)
    a.peers("relay", "init", "--hub", "--name", "A", "--listen", f"127.0.0.1:{leased_port()}",
            "--client-port", str(leased_port()))
    for leaf in (b, *others):
        token = a.peers("relay", "token", "--name", leaf.name).stdout.strip()
        leaf.peers("relay", "init", "--leaf", token, "--name", leaf.name,
                   "--client-port", str(leased_port()))
    _found(b, b.user("bob"), groups)
    for leaf in others:
        _found(leaf, leaf.user(leaf.name.lower()), 1, prefix=f"{leaf.name.lower()}-")
    hub_groups = groups + len(others)
    try:
        began = time.monotonic()
        a.start()
        b.start()
        for leaf in others:
            leaf.start()
        _wait("every group on the hub", lambda: len(list(a.hub.glob("*.db"))) >= hub_groups)
        _wait("nothing unsent on B", lambda: b.status().get("unsent") == 0)
        up_s = time.monotonic() - began
        start_cpu = proc_cpu_s(b.relay_pid())
        time.sleep(SETTLE_S)
        pids = {"B": (b.relay_pid(), b.nats_pid()), "A": (a.relay_pid(), a.nats_pid())}
        if hold:
            log(f"relay groups: holding {hold:.0f} s; pids "
                + ", ".join(f"{name} relay {pair[0]} server {pair[1]}" for name, pair in pids.items()))
            time.sleep(hold)
        figures = {"groups": groups, "leaves": leaves, "up_s": up_s, "b_start_cpu_s": start_cpu}
        samples: list[Sample] = []
        for _ in range(max(1, count)):
            before = {name: [proc_cpu_s(pid) for pid in pair] for name, pair in pids.items()}
            started = time.perf_counter()
            time.sleep(window)
            took = time.perf_counter() - started
            figures["load"] = os.getloadavg()[0]
            for name, pair in pids.items():
                for what, pid, used in zip(("relay", "server"), pair, before[name]):
                    key = f"{name.lower()}_{what}"
                    figures[f"{key}_cpu_pct"] = (proc_cpu_s(pid) - used) / took * 100
                    figures[f"{key}_rss_mb"] = proc_rss_mb(pid)
            samples.append((figures["a_relay_cpu_pct"], figures["a_server_cpu_pct"],
                            figures["load"]))
        stores = b.status().get("stores")  # (None before kept_stores.py)
        figures["b_open"] = float(stores["open"]) if isinstance(stores, dict) else -1.0
        # Started again: every group seen before (a first start also fetches what the hub
        # has of each group new to the relay), CPU until it is idle again.
        b.stop()
        b.start()
        _wait("nothing unsent on B again", lambda: b.status().get("unsent") == 0)
        time.sleep(SETTLE_S)
        figures["b_restart_cpu_s"] = proc_cpu_s(b.relay_pid())
        return figures, samples
    finally:
        for leaf in others:
            leaf.stop()
        b.stop()
        a.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", default="1,20,200")
    parser.add_argument("--window", type=float, default=30.0)
    parser.add_argument("--leaves", type=int, default=1,
                        help="leaves linked to the hub: B with the groups, the others one each")
    parser.add_argument("--samples", type=int, default=1, help="idle windows, one after another")
    parser.add_argument("--hold", type=float, default=0.0,
                        help="seconds idle before the windows, the pids on stderr (to profile)")
    args = parser.parse_args()
    rows = []
    for groups in [int(n) for n in args.groups.split(",")]:
        with tempfile.TemporaryDirectory(prefix="peers-relay-groups-") as tmp:
            log(f"relay groups: {groups} groups on leaf B")
            rows.append(measure(Path(tmp), groups, args.window, args.leaves, args.samples,
                                args.hold))
    one = rows[0][0]
    for row, samples in rows:
        print(f"{int(row['groups']):4d} groups: B relay {row['b_relay_rss_mb']:.1f} MB + server "
              f"{row['b_server_rss_mb']:.1f} MB = {row['b_relay_rss_mb'] + row['b_server_rss_mb']:.1f}"
              f" (1 group: {one['b_relay_rss_mb'] + one['b_server_rss_mb']:.1f}); hub A "
              f"{row['a_relay_rss_mb']:.1f} + {row['a_server_rss_mb']:.1f} MB; idle B "
              f"{row['b_relay_cpu_pct']:.2f} % + {row['b_server_cpu_pct']:.2f} %, A "
              f"{row['a_relay_cpu_pct']:.2f} % + {row['a_server_cpu_pct']:.2f} %; B start CPU "
              f"{row['b_start_cpu_s']:.2f} s (again: {row['b_restart_cpu_s']:.2f} s), up in "
              f"{row['up_s']:.1f} s; B open stores "
              f"{row['b_open']:.0f}; load {row['load']:.1f}", flush=True)
        print(f"  B's relay start with {int(row['groups'])} groups: {row['b_start_cpu_s']:.2f} s "
              f"of CPU the first time, {row['b_restart_cpu_s']:.2f} s started again (1 group: "
              f"{one['b_start_cpu_s']:.2f} / {one['b_restart_cpu_s']:.2f} s; target for 200: "
              f"well under {START_TARGET_S:g} s); load {row['load']:.1f}", flush=True)
        for relay, server, load in samples:
            print(f"  hub A idle, {int(row['groups']) + int(row['leaves']) - 1} groups, "
                  f"{int(row['leaves'])} leaves: relay {relay:.2f} % + server {server:.2f} % = "
                  f"{relay + server:.2f} % of a core (target <= {IDLE_TARGET_PCT:g} %); "
                  f"load {load:.1f}", flush=True)


if __name__ == "__main__":
    main()
