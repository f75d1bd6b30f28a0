"""`python -m benchmarks.relay_join [--messages N]`: a new host joining a big group, on loopback.

Two hosts, A the hub and C a leaf, each its own hub directory and `peers relay`. On A, alice
founds a group, bob writes three messages in it, alice imports N messages and writes one more;
once A's relay has published everything, carol on C runs `peers join`. Timed from the start of
the fetch `peers join` makes (run in this process, so Python's start-up is left out):
- newest screen: until the newest 50 messages read back verified from C's file (what the
  TUI's first screen reads), membership, invites and the newest page committed before;
- all: until every message is in C's file and the backfill's frontier is gone (the relay
  walks the rest newest first);
- join: the `peers join` command run after the fetch (start-up and the ordered join).
`measure(messages)` returns the figures as a dict (for `python -m benchmarks`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.procstat import CLOCK_TICKS, cpu_seconds
from peers_tui.core.account import Account
from peers_tui.core.group_store import GroupStore
from peers_tui.relay.config import client_url, inbox_prefix, load_config
from peers_tui.testing.ports import leased_port
from peers_tui.relay.envelope import FED_STREAM, fed_subject
from peers_tui.relay.fetch import fetch_group

NEWEST = "the newest message"


def peers(root: Path, *args: str) -> str:
    """`peers ARGS` as this host's relay admin."""
    env = {**os.environ, "PEERS_HOME": str(root / "admin"), "PEERS_HUB": str(root / "hub")}
    return subprocess.run([sys.executable, "-m", "peers_tui", *args], env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def start(root: Path) -> subprocess.Popen[bytes]:
    """This host's `peers relay`, once it runs (and a leaf's link is up).

    In a session of its own, as a systemd unit or `tmux new-window 'peers relay'` runs it:
    the kernel shares the CPU between sessions first (autogroup), and a relay in this
    process's session would share its slice with the tmux client that times R6's keys."""
    env = {**os.environ, "PEERS_HOME": str(root / "admin"), "PEERS_HUB": str(root / "hub")}
    process = subprocess.Popen([sys.executable, "-m", "peers_tui", "relay"], env=env,
                               stdout=subprocess.DEVNULL, stderr=open(root / "relay.err", "ab"),
                               start_new_session=True)
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
    process.terminate()
    raise RuntimeError(f"the relay of {root.name} did not start")


def fed_messages(hub: Path, group_id: str) -> int:
    """Message records of the group in the hub's federation stream."""
    import nats

    async def ask() -> int:
        nc = await nats.connect(client_url(load_config(hub)))  # (its relay alone is served)
        try:
            info = await nc.jetstream().stream_info(FED_STREAM, subjects_filter=fed_subject(group_id, "msg"))
            return sum((info.state.subjects or {}).values())
        except nats.errors.Error:
            return 0
        finally:
            await nc.close()

    return asyncio.run(ask())


def server_pid(hub: Path) -> int:
    """The pid of the nats-server this hub directory's relay started."""
    return int((hub / ".relay" / "nats.pid").read_text().strip())


def thread_cpu_seconds(pid: int) -> float:
    """utime + stime of the main thread of `pid` (the relay's event loop) so far."""
    with open(f"/proc/{pid}/task/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def lines(count: int) -> list[str]:
    start = int(time.time()) - count - 3600
    return [json.dumps({"id": f"old-{i}", "author": "old", "body": f"old message {i}",
                        "created_at": start + i}) for i in range(count)]


def newest_shown(path: Path, group_id: str) -> bool:
    if not path.exists():
        return False
    store = GroupStore(path, group_id)
    try:
        views = store.recent(50)
        return bool(views) and views[-1].body == NEWEST and all(v.verified for v in views)
    except Exception:  # the file is being made
        return False
    finally:
        store.close()


def complete(path: Path, expected: int) -> bool:
    """Every message in the file and its frontier gone. Asked every 50 ms and before each
    key of R6: the rows are counted only once the frontier is gone (a COUNT(*) of a
    100,000-row table is ~8 ms here, a core's tenth taken from the walk it times)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'backfill_state'").fetchone():
            return False
        return bool(db.execute("SELECT COUNT(*) FROM message").fetchone()[0] >= expected)
    finally:
        db.close()


async def read_everything(hub: Path, group_id: str) -> int:
    import nats

    from peers_tui.relay.fetch import read_group

    config = load_config(hub)  # a leaf: the hub sends it replies under its own prefix only
    nc = await nats.connect(client_url(config), inbox_prefix=inbox_prefix(config.name))
    try:
        return len(await read_group(nc.jetstream(domain="hub"), group_id,
                                    fed_subject(group_id, "msg")))
    finally:
        await nc.close()


async def read_join_only(hub: Path, group_id: str) -> None:
    """What `peers join` reads before it returns (membership, invites, the newest page), read
    and nothing else: no checks, no writes."""
    import nats

    from peers_tui.relay import fetch

    config = load_config(hub)
    nc = await nats.connect(client_url(config), inbox_prefix=inbox_prefix(config.name))
    try:
        await fetch._read_join(nc.jetstream(domain="hub"), group_id)
    finally:
        await nc.close()


def suite_figures(root: Path, sizes: Any, with_1m: bool = False, main: bool = True) -> list[Any]:
    """The join figures for `python -m benchmarks`: rows R5a/R5b (100,000 messages at full
    size) with R6a/R6b/R6c (carol's app on the joining host meanwhile, and the bare Textual
    echo app beside it); with `with_1m` also R5c
    (1,000,000 messages: ~12 more minutes, most of it the hub's relay publishing the group)."""
    from benchmarks.relay_join_tui import echo_figures

    full = sizes.name == "full"
    figures: list[Any] = []
    if main:
        count = 100_000 if full else 2_000
        found = measure(count, echo_keys=400 if full else 40)
        figures += join_figures(found, count, "relay_join_all", 30.0)
        figures += echo_figures(found, count)
    if with_1m:
        count = 1_000_000 if full else 20_000
        found = measure(count)
        figures += join_figures(found, count, "relay_join_all_1m", 360.0, 180.0)[1:]
    return figures


def join_figures(found: dict[str, Any], count: int, all_key: str, target_s: float,
                 stretch_s: float | None = None) -> list[Any]:
    from benchmarks.common import Figure, ratio

    newest, everything, transport = found["newest_s"], found["all_s"], found["transport_s"]
    details = {k: round(v, 3) if isinstance(v, float) else v for k, v in found.items()
               if not isinstance(v, list)}
    target = f"<= {target_s:g} s" + (f" (stretch {stretch_s:g} s)" if stretch_s else "")
    return [
        Figure("relay_join_newest", f"new host joins a {count:,}-message group: newest screen", "s",
               newest, found["transport_newest_s"], "reading what the join needs, no checks",
               "<= 2 s", newest <= 2.0, ratio(newest, found["transport_newest_s"]), details,
               notes=["membership, invites and the newest page fetched and committed, in-process "
                      f"(`peers join` as a command took {found['join_s']:.2f} s more: start-up and "
                      "the ordered join)"]),
        Figure(all_key, f"new host joins a {count:,}-message group: all of it", "s",
               everything, transport, "reading every record from the stream, no checks",
               target, everything <= target_s, ratio(everything, transport), details,
               notes=[f"{found['per_second']:.0f} messages/s applied under every check; the "
                      f"joining relay used {found['relay_cpu_s']:.1f} s of CPU, "
                      f"{found['relay_loop_cpu_s']:.1f} s of it on its event loop (the rest: "
                      "signature checks on the other core); before the join (setup, not in the "
                      f"figure) alice's import took {found.get('imported_s', 0):.0f} s and the "
                      f"hub's relay {found['published_s']:.0f} s to publish the group"]),
    ]


def profiler(pid: int, output: str | None) -> subprocess.Popen[bytes] | None:
    """py-spy recording `pid` (the joining relay) into `output` (by its suffix: .json
    speedscope, .svg a flame graph, else collapsed stacks) until it is sent SIGINT; None
    without an output."""
    if not output:
        return None
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    form = {".json": "speedscope", ".svg": "flamegraph"}.get(Path(output).suffix, "raw")
    return subprocess.Popen([spy, "record", "--pid", str(pid), "--rate", "50", "--format", form,
                             "--output", output], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def measure(messages: int, keep: bool = False, echo_keys: int = 0,
            profile: str | None = None) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="peers-join-bench-"))
    a, c = root / "A", root / "C"
    for host in (a, c):
        (host / "hub").mkdir(parents=True)
    peers(a, "relay", "init", "--hub", "--name", "A", "--listen", f"127.0.0.1:{leased_port()}")
    peers(c, "relay", "init", "--leaf", peers(a, "relay", "token", "--name", "C"))
    alice, bob = Account(a / "alice", a / "hub"), Account(a / "bob", a / "hub")
    alice.set_handle("alice")
    bob.set_handle("bob")
    group_id = alice.create_group("bench").id
    bob.join(str(alice.invite("bench", uses=None)))
    for i in range(3):
        bob.send("bench", f"bob {i}")
    made = time.perf_counter()
    alice.import_history("bench", lines(messages))
    alice.send("bench", NEWEST)
    code = str(alice.invite("bench", uses=None))
    expected = messages + 4
    figures: dict[str, Any] = {"messages": expected, "imported_s": time.perf_counter() - made}
    made = time.perf_counter()
    relays = [start(a), start(c)]
    try:
        # Setup, not part of any figure: alice's import (signing every record) above, and
        # A's relay publishing the group to the federation stream (records a batch, each
        # stored by the hub's server before the next) before C joins.
        while fed_messages(a / "hub", group_id) < expected:
            time.sleep(0.2)
        figures["published_s"] = time.perf_counter() - made
        env = {**os.environ, "PEERS_HOME": str(c / "carol"), "PEERS_HUB": str(c / "hub")}
        subprocess.run([sys.executable, "-m", "peers_tui", "id", "--handle", "carol"], env=env,
                       check=True, capture_output=True)
        path = c / "hub" / f"{group_id}.db"
        # In this process (its imports done: a user's `peers join` pays its own start-up on
        # top, measured below), what `peers join` does before it signs the join: fetch the
        # group, membership and invites first, then the newest page.
        spy = profiler(relays[1].pid, profile)
        cpu_before, loop_before = cpu_seconds(relays[1].pid), thread_cpu_seconds(relays[1].pid)
        servers = {host.name: server_pid(host / "hub") for host in (a, c)}
        servers_before = {name: cpu_seconds(pid) for name, pid in servers.items()}
        started = time.perf_counter()
        fetch_group(c / "hub", group_id)
        figures["fetched_s"] = time.perf_counter() - started
        if not newest_shown(path, group_id):
            raise RuntimeError("the newest messages are not readable after the fetch")
        figures["newest_s"] = time.perf_counter() - started
        joining = time.perf_counter()
        subprocess.run([sys.executable, "-m", "peers_tui", "join", code], env=env, check=True,
                       capture_output=True)
        figures["join_s"] = time.perf_counter() - joining
        tui = None
        if echo_keys:  # carol's app on C while the backfill runs (rows R6, relay_join_tui.py)
            from benchmarks.relay_join_tui import JoiningTui

            shown = time.perf_counter()
            tui = JoiningTui(root, env, "bench", NEWEST)
            figures["tui_start_s"] = time.perf_counter() - shown
        try:
            if tui is not None:
                typing = time.perf_counter()
                echoed = tui.echo(echo_keys, until=lambda: complete(path, expected))
                figures["echo_typing_s"] = time.perf_counter() - typing
                figures["echo_during_ms"] = [ms for ms, _, running in echoed if running]
                figures["echo_floor_during_ms"] = [ms for _, ms, running in echoed if running]
            while not complete(path, expected):
                time.sleep(0.05)
            figures["all_s"] = time.perf_counter() - started
            figures["per_second"] = expected / figures["all_s"]
            figures["relay_cpu_s"] = cpu_seconds(relays[1].pid) - cpu_before
            figures["relay_loop_cpu_s"] = thread_cpu_seconds(relays[1].pid) - loop_before
            for name, pid in servers.items():  # the hub's server pages the stream out, C's relays it
                figures[f"server_{name}_cpu_s"] = cpu_seconds(pid) - servers_before[name]
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(timeout=60)
            if tui is not None:
                time.sleep(1.0)  # the app's last refresh after the frontier went
                echoed = tui.echo(max(len(figures["echo_during_ms"]), 20))
                figures["echo_idle_ms"] = [ms for ms, _, _ in echoed]
                figures["echo_floor_idle_ms"] = [ms for _, ms, _ in echoed]
        finally:
            if tui is not None:
                tui.close()
        # The transport alone, same run: every message record of the group read from the
        # hub's stream through C's server, as the backfill reads them, with no check, no write.
        reading = time.perf_counter()
        figures["transport_read"] = asyncio.run(read_everything(c / "hub", group_id))
        figures["transport_s"] = time.perf_counter() - reading
        reading = time.perf_counter()
        asyncio.run(read_join_only(c / "hub", group_id))
        figures["transport_newest_s"] = time.perf_counter() - reading
    finally:
        for process in relays:
            process.terminate()
            process.wait(timeout=15)
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000, help="messages in the group")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--echo", type=int, default=0, metavar="KEYS",
                        help="also type up to KEYS keys into carol's app during the backfill, "
                        "each beside one into the bare Textual echo app")
    parser.add_argument("--profile", metavar="FILE",
                        help="py-spy the joining relay during the join into FILE (.json: speedscope, else SVG)")
    args = parser.parse_args()
    figures = measure(args.messages, args.keep, args.echo, args.profile)
    print(f"join of a {figures['messages']:,}-message group: newest screen after "
          f"{figures['newest_s']:.2f} s (membership, invites and the newest page fetched and "
          f"committed in {figures['fetched_s']:.2f} s), all of it after {figures['all_s']:.2f} s "
          f"({figures['per_second']:,.0f} messages/s); the `peers join` command after the fetch "
          f"took {figures['join_s']:.2f} s (its start-up included); the import took "
          f"{figures['imported_s']:.1f} s, publishing on the hub {figures['published_s']:.1f} s; the joining relay used {figures['relay_cpu_s']:.1f} s "
          f"of CPU ({figures['relay_loop_cpu_s']:.1f} s on its event loop, "
          f"{figures['relay_loop_cpu_s'] * 100_000 / figures['messages']:.1f} s a 100,000); "
          f"nats-servers A {figures['server_A_cpu_s']:.1f} s, C {figures['server_C_cpu_s']:.1f} s "
          f"of CPU; load at the end {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.echo:
        from benchmarks.common import percentile

        for name in ("echo_during_ms", "echo_idle_ms", "echo_floor_during_ms",
                     "echo_floor_idle_ms"):
            samples = figures.get(name) or [0.0]
            print(f"{name}: {len(figures.get(name, []))} keys, p50 {percentile(samples, 50):.1f} ms, "
                  f"p99 {percentile(samples, 99):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
