"""`python -m benchmarks.relay [--records N] [--messages M]`: groups across hosts, on loopback.

Two hosts (A the hub, B a leaf), each its own hub directory and `peers relay` process:
- delivery: a message committed on A (or B) until its row is in the other host's file, p50/p99;
- convergence: the hub's relay stopped, N records written on each host meanwhile, then the
  time from restarting it until both files hold every record (its start-up included);
- relay + nats-server RSS and the relays' idle CPU.
Not yet part of `python -m benchmarks` (its table is being reworked); run on its own.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peers_tui.core.account import Account
from peers_tui.core.group_store import GroupStore
from peers_tui.core.identity import load_or_create_keypair
from peers_tui.relay.config import free_port


def peers(root: Path, *args: str) -> str:
    env = {**os.environ, "PEERS_HOME": str(root / "admin"), "PEERS_HUB": str(root / "hub")}
    return subprocess.run([sys.executable, "-m", "peers_tui", *args], env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def start(root: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PEERS_HOME": str(root / "admin"), "PEERS_HUB": str(root / "hub")}
    process = subprocess.Popen([sys.executable, "-m", "peers_tui", "relay"], env=env,
                               stdout=subprocess.DEVNULL, stderr=open(root / "relay.err", "ab"))
    status = root / "hub" / ".relay" / "status.json"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            data = json.loads(status.read_text())
            if data.get("running") and data.get("pid") == process.pid and (
                    data["role"] == "hub" or data["link"]["up"]):
                return process
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.01)
    raise RuntimeError(f"relay in {root} did not start")


def count(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT COUNT(*) FROM message").fetchone()[0])


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1000, help="written on each side of the cut")
    parser.add_argument("--messages", type=int, default=200, help="timed one by one for delivery")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="peers-relay-bench-"))
    print(f"in {root}")
    a, b = root / "A", root / "B"
    for host in (a, b):
        (host / "hub").mkdir(parents=True)
    peers(a, "relay", "init", "--hub", "--name", "A", "--listen", f"127.0.0.1:{free_port()}")
    peers(b, "relay", "init", "--leaf", peers(a, "relay", "token", "--name", "B"))
    alice = Account(a / "alice", a / "hub")
    alice.set_handle("alice")
    group_id = alice.create_group("bench").id
    code = alice.invite("bench", uses=None)
    relays = {"A": start(a), "B": start(b)}
    try:
        env = {**os.environ, "PEERS_HOME": str(b / "bob"), "PEERS_HUB": str(b / "hub")}
        for _ in range(100):  # until the hub has published the new group
            joined = subprocess.run([sys.executable, "-m", "peers_tui", "join", str(code)],
                                    env=env, capture_output=True)
            if joined.returncode == 0:
                break
            time.sleep(0.1)
        files = {"A": a / "hub" / f"{group_id}.db", "B": b / "hub" / f"{group_id}.db"}
        writers = {"A": (GroupStore(files["A"], group_id), load_or_create_keypair(a / "alice")),
                   "B": (GroupStore(files["B"], group_id), load_or_create_keypair(b / "bob"))}
        for source, target in (("A", "B"), ("B", "A")):
            store, key = writers[source]
            latencies = []
            for i in range(args.messages):
                before = count(files[target])
                store.post(key, f"ping {i}")
                started = time.perf_counter()  # committed: from here on it is the relays' work
                while count(files[target]) == before:
                    time.sleep(0.0002)
                latencies.append((time.perf_counter() - started) * 1000)
            latencies.sort()
            print(f"delivery {source}->{target}: p50 {statistics.median(latencies):.1f} ms, "
                  f"p99 {latencies[int(len(latencies) * 0.99) - 1]:.1f} ms ({args.messages} messages)")
        time.sleep(3)
        pids = [p.pid for p in relays.values()] + [
            int((h / "hub" / ".relay" / "nats.pid").read_text()) for h in (a, b)]
        used = [cpu_seconds(pid) for pid in pids]
        time.sleep(10)
        idle = [(cpu_seconds(pid) - u) / 10 * 100 for pid, u in zip(pids, used)]
        print(f"idle CPU (% of a core): relay A {idle[0]:.2f}, relay B {idle[1]:.2f}, "
              f"nats A {idle[2]:.2f}, nats B {idle[3]:.2f}")
        print(f"RSS relay+server: A {(rss_kb(pids[0]) + rss_kb(pids[2])) / 1024:.0f} MB, "
              f"B {(rss_kb(pids[1]) + rss_kb(pids[3])) / 1024:.0f} MB")
        relays["A"].send_signal(signal.SIGKILL)
        relays["A"].wait()
        time.sleep(1.5)
        for name, (store, key) in writers.items():
            for i in range(args.records):
                store.post(key, f"cut {name} {i}")
        expected = count(files["A"]) + args.records
        started = time.perf_counter()
        relays["A"] = start(a)
        running = time.perf_counter() - started
        while count(files["A"]) < expected or count(files["B"]) < expected:
            time.sleep(0.005)
        took = time.perf_counter() - started
        print(f"convergence after a cut, {args.records} records written on each side: "
              f"{took:.2f} s after restarting the hub's relay ({running:.2f} s of it its start-up), "
              f"{count(files['A'])} = {count(files['B'])} rows")
    finally:
        for process in relays.values():
            process.terminate()
            process.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
