"""Groups across hosts (issue 15), on loopback, each figure beside the transport alone.

Three hosts (benchmarks/relay_hosts.py): A the hub, B and C leaves, each its own hub
directory, user and `peers relay` with its own nats-server; C reaches the hub through a TCP
proxy that can be cut.
- delivery: bob on B posts (`GroupStore.post`, 20-40 ms apart, stamped when COMMIT returns);
  carol's real PeersApp on C (headless, the group open) stamps each message as it enters her
  log: leaf -> hub -> leaf, two relays' applies and the reader's notifier. Baseline: plain
  nats-py publish on B's server, subscribe on C's, over the same leaf links. The hub's own
  paths (A -> B, C -> A) are in the notes at full size.
- idle: CPU of each relay and its nats-server over a quiet window, and their RSS.
- convergence: C cut off (the proxy drops the link), N records written on A and on C, the
  link restored after the cut's length; the time from the restore until all three files hold
  every record. Baseline: the transport alone across the same cut (relay_nats.CutBaseline).

`python -m benchmarks.relay [--quick]` runs these alone; `python -m benchmarks` includes them
(`--no-relay` or PEERS_BENCH_NO_RELAY=1 leaves them out).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks import relay_hosts, relay_nats
from benchmarks.relay_plain import PlainFederation
from benchmarks.common import (
    Figure, Sizes, finish_worker, log, percentile, ratio, run_worker, spawn_worker, unmeasured,
)

P50_TARGET_MS, P99_TARGET_MS = 10.0, 50.0
CONVERGE_TARGET_S, CONVERGE_STRETCH_S = 2.0, 1.0
IDLE_TARGET_PCT, RSS_TARGET_MB = 1.0, 80.0
TARGETS = {"relay_delivery_p50": f"<= {P50_TARGET_MS:g} ms",
           "relay_delivery_p99": f"<= {P99_TARGET_MS:g} ms",
           "relay_convergence": f"<= {CONVERGE_TARGET_S:g} s",
           "relay_idle_cpu": f"<= {IDLE_TARGET_PCT:g} % core",
           "relay_rss": f"<= {RSS_TARGET_MB:g} MB"}
KEYS = list(TARGETS)
SETTLE_S = 3.0


def measure(root: Path, sizes: Sizes) -> list[Figure]:
    reason = relay_hosts.relay_available()
    if reason is not None:
        return [unmeasured(key, f"across hosts: {key}", "", "the transport alone", target,
                           reason) for key, target in TARGETS.items()]
    log("relay: three hosts on loopback (A hub, B and C leaves)")
    federation = relay_hosts.build(root)
    try:
        plain = PlainFederation(root)  # the baselines' transport, without peers' permissions
    except BaseException:
        federation.close()
        raise
    try:
        figures = delivery(federation, plain, sizes)
        figures += idle(federation, sizes)
        figures.append(convergence(federation, plain, sizes))
        return figures
    finally:
        federation.close()
        plain.close()


# ----------------------------------------------------------------------------- delivery
def _path(fed: relay_hosts.Federation, source: str, target: str, count: int) -> dict[str, Any]:
    """`count` messages posted on `source`, each timed to the open log of `target`'s user."""
    work = fed.hosts[target].root / f"delivery-{source}{target}"
    work.mkdir()
    common = {"group_id": fed.group_id, "prefix": f"relay-{source}{target}-", "count": count}
    watcher_env = fed.hosts[target].env(fed.homes[target])
    timeout = count * 0.03 + 20
    proc = spawn_worker("delivery:worker_app_watcher", {
        **common, "home": str(fed.homes[target]), "hub": str(fed.hosts[target].hub),
        "ready": str(work / "ready"), "seen_file": str(work / "seen.tsv"), "timeout": timeout},
        watcher_env)
    deadline = time.monotonic() + 60
    while not (work / "ready").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            finish_worker(proc, "relay watcher", timeout=5)
            raise RuntimeError("the watching app never became ready")
        time.sleep(0.05)
    commits = run_worker("delivery:worker_writer", {
        **common, "home": str(fed.homes[source]), "hub": str(fed.hosts[source].hub)},
        fed.hosts[source].env(fed.homes[source]), timeout=600)["commits"]
    finish_worker(proc, "relay watcher", timeout=timeout + 30)
    seen: dict[str, float] = {}
    for line in (work / "seen.tsv").read_text().splitlines() if (work / "seen.tsv").exists() else []:
        body, _, stamp = line.partition("\t")
        seen.setdefault(body, float(stamp))
    latencies = [(seen[body] - at) * 1000 for body, at in commits.items() if body in seen]
    return {"samples_ms": latencies, "missing": len(commits) - len(latencies),
            "p50": percentile(latencies, 50) if latencies else None,
            "p99": percentile(latencies, 99) if latencies else None}


def delivery(fed: relay_hosts.Federation, plain: PlainFederation, sizes: Sizes) -> list[Figure]:
    count = sizes.relay_messages
    log(f"relay delivery: {count} messages B -> hub -> C, each to carol's open log")
    pids = {f"{kind} {name}": pid for name, host in fed.hosts.items()
            for kind, pid in (("relay", host.relay_pid()), ("server", host.nats_pid()))}
    used = {what: relay_hosts.proc_cpu_s(pid) for what, pid in pids.items()}
    main = _path(fed, "B", "C", count)
    # CPU per message, which the machine's load does not change (wall times it does).
    cpu_ms = {what: (relay_hosts.proc_cpu_s(pid) - used[what]) * 1000 / count
              for what, pid in pids.items()}
    log("relay delivery baseline: plain NATS publish on B, subscribe on C")
    raw = relay_nats.latency_ms(plain.ports["B"], plain.ports["C"], count)
    others: dict[str, dict[str, Any]] = {}
    if sizes.name == "full":  # the hub's own one-hop paths, for the notes
        for source, target in (("A", "B"), ("C", "A")):
            log(f"relay delivery: {count // 2} messages {source} -> {target}")
            others[f"{source}->{target}"] = _path(fed, source, target, count // 2)
    notes = [f"{path}: p50 {run['p50']:.1f} ms, p99 {run['p99']:.1f} ms over {len(run['samples_ms'])}"
             f" messages{', ' + str(run['missing']) + ' missing' if run['missing'] else ''}"
             for path, run in others.items() if run["p50"] is not None]
    if main["missing"]:
        notes.append(f"{main['missing']} of {count} messages never reached carol's log")
    notes.append("CPU per message B->C (ms): " + ", ".join(
        f"{what} {ms:.2f}" for what, ms in cpu_ms.items()))
    figures = []
    for pct, limit in ((50, P50_TARGET_MS), (99, P99_TARGET_MS)):
        value, baseline = main[f"p{pct}"], raw[f"p{pct}"]
        figures.append(Figure(
            f"relay_delivery_p{pct}",
            f"across hosts: commit on leaf B to row in C's open log, p{pct}", "ms", value,
            baseline, "plain NATS B->hub->C", f"<= {limit:g} ms",
            value is not None and value <= limit and main["missing"] == 0, ratio(value, baseline),
            {"messages": count, "missing": main["missing"], "samples_ms": main["samples_ms"],
             "baseline_samples_ms": raw["samples_ms"], "baseline_missing": raw["missing"],
             "hub_paths": others, "cpu_ms_per_message": cpu_ms}, notes=list(notes)))
    return figures


# ----------------------------------------------------------------------------- idle
def idle(fed: relay_hosts.Federation, sizes: Sizes) -> list[Figure]:
    log(f"relay idle: {SETTLE_S:.0f} s to settle, then CPU over {sizes.relay_idle_s:.0f} s")
    time.sleep(SETTLE_S)
    pids = {name: (host.relay_pid(), host.nats_pid()) for name, host in fed.hosts.items()}
    before = {name: [relay_hosts.proc_cpu_s(pid) for pid in pair] for name, pair in pids.items()}
    started = time.perf_counter()
    time.sleep(sizes.relay_idle_s)
    window = time.perf_counter() - started
    cpu = {name: [(relay_hosts.proc_cpu_s(pid) - used) / window * 100
                  for pid, used in zip(pair, before[name])] for name, pair in pids.items()}
    rss = {name: [relay_hosts.proc_rss_mb(pid) for pid in pair] for name, pair in pids.items()}
    worst_cpu = max(cpu, key=lambda name: cpu[name][0])
    worst_rss = max(rss, key=lambda name: sum(rss[name]))
    per_host = ", ".join(f"{name} {c[0]:.2f} % (+ server {c[1]:.2f} %)" for name, c in cpu.items())
    per_host_rss = ", ".join(f"{name} {r[0]:.0f} + {r[1]:.0f} MB" for name, r in rss.items())
    return [
        Figure("relay_idle_cpu", "across hosts: relay idle CPU (worst of 3 hosts)", "% core",
               cpu[worst_cpu][0], cpu[worst_cpu][1], "its nats-server, same window",
               f"<= {IDLE_TARGET_PCT:g} % core", cpu[worst_cpu][0] <= IDLE_TARGET_PCT,
               ratio(cpu[worst_cpu][0], cpu[worst_cpu][1]),
               {"window_s": window, "cpu_pct": cpu}, notes=[f"relay (+ server): {per_host}"]),
        Figure("relay_rss", "across hosts: relay + nats-server RSS (worst host)", "MB",
               sum(rss[worst_rss]), rss[worst_rss][1], "its nats-server alone",
               f"<= {RSS_TARGET_MB:g} MB", sum(rss[worst_rss]) <= RSS_TARGET_MB,
               ratio(sum(rss[worst_rss]), rss[worst_rss][1]), {"rss_mb": rss},
               notes=[f"relay + server: {per_host_rss}"]),
    ]


# ----------------------------------------------------------------------------- convergence
def _count(connection: sqlite3.Connection) -> int:
    return int(connection.execute("SELECT COUNT(*) FROM message").fetchone()[0])


def _post(fed: relay_hosts.Federation, host: str, count: int) -> None:
    from peers_tui.core.group_store import GroupStore
    from peers_tui.core.identity import load_or_create_keypair

    store = GroupStore(fed.file(host), fed.group_id)
    key = load_or_create_keypair(fed.homes[host])
    for i in range(count):
        store.post(key, f"cut {host} {i}")
    store.close()


def convergence(fed: relay_hosts.Federation, plain: PlainFederation, sizes: Sizes) -> Figure:
    n, cut_s = sizes.relay_cut_records, sizes.relay_cut_s
    key, title = "relay_convergence", (f"across hosts: converged after a {cut_s:g} s cut, "
                                       f"{n} records on each side")
    ports = {"A": plain.ports["A"], "C": plain.ports["C"]}
    baseline = relay_nats.CutBaseline(ports, {"A": "hub", "C": "C"})
    asyncio.run(baseline.prepare())
    files = {name: sqlite3.connect(f"file:{fed.file(name)}?mode=ro", uri=True)
             for name in fed.hosts}
    before = {name: _count(c) for name, c in files.items()}
    if len(set(before.values())) != 1:
        return unmeasured(key, title, "s", "the transport alone", "", f"not level before: {before}")
    log(f"relay convergence: C cut off for {cut_s:g} s; {n} records written on A and on C")
    fed.proxy.cut()
    plain.proxy.cut()
    cut_at = time.monotonic()
    deadline = cut_at + 15
    while fed.hosts["C"].status().get("link", {}).get("up") and time.monotonic() < deadline:
        time.sleep(0.02)
    for host in ("A", "C"):
        _post(fed, host, n)
    asyncio.run(baseline.write(n))
    expected = before["A"] + 2 * n
    time.sleep(max(0.0, cut_at + cut_s - time.monotonic()))
    link: dict[str, float] = {}
    fed.proxy.restore()
    plain.proxy.restore()
    started = time.perf_counter()
    waiter = threading.Thread(target=lambda: link.update(
        s=asyncio.run(baseline.reconnected(60))), daemon=True)
    waiter.start()
    reached: dict[str, float] = {}
    while len(reached) < len(files) and time.perf_counter() - started < 120:
        for name, connection in files.items():
            if name not in reached and _count(connection) >= expected:
                reached[name] = time.perf_counter() - started
        time.sleep(0.005)
    converged = max(reached.values()) if len(reached) == len(files) else None
    waiter.join(timeout=60)
    counts = {name: _count(c) for name, c in files.items()}
    for connection in files.values():
        connection.close()
    pull = asyncio.run(baseline.pull_across(n))
    base = link.get("s", 0.0) + pull
    complete = converged is not None and all(c == expected for c in counts.values())
    notes = ["each host reached every record after (s): "
             + ", ".join(f"{name} {at:.2f}" for name, at in sorted(reached.items())),
             f"baseline = the link back ({link.get('s', 0.0):.2f} s, asked while the relays "
             f"synced) + both sides pulling the other's plain stream ({pull:.2f} s, after them)",
             f"stretch <= {CONVERGE_STRETCH_S:g} s: "
             + ("met" if converged is not None and converged <= CONVERGE_STRETCH_S else "missed")]
    if not complete:
        notes.append(f"rows per host {counts}, expected {expected} each (lost or duplicated)")
    return Figure(key, title, "s", converged, base, "plain JetStream, same cut",
                  f"<= {CONVERGE_TARGET_S:g} s", complete and converged is not None
                  and converged <= CONVERGE_TARGET_S, ratio(converged, base),
                  {"records_each_side": n, "cut_s": cut_s, "reached_s": reached,
                   "counts": counts, "expected": expected, "baseline_link_s": link.get("s"),
                   "baseline_pull_s": pull}, notes=notes)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.relay",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and a 3 s cut")
    parser.add_argument("--json", action="store_true", help="each figure with its samples")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="peers-relay-bench-"))
    try:
        for figure in measure(root, Sizes.quick() if args.quick else Sizes.full()):
            print(json.dumps({k: v for k, v in figure.to_json().items()
                              if args.json or k != "details"}))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
