"""Figure 4: delivery between processes, from the writer's COMMIT returning to the row being
in the other app's log.

Three processes: the watcher, the writer, and this driver. The watcher is the real PeersApp
(headless `run_test`, 120x40) with the delivery group open, watching all the user's groups
as it does in a terminal; the benchmark wraps its MessageLog's `apply_live` on that one
instance and stamps `time.time()` when a message has been added to `log.views`. The writer
posts `delivery_messages` messages through `GroupStore.post`, 20-40 ms apart (random, so
the 50 ms poller is caught at every phase), and stamps `time.time()` as the COMMIT statement
returns (the store's `db.commit` is wrapped on that instance: the connection close and WAL
checkpoint that follow are not counted, which is the strict reading). Both clocks are the
same CLOCK_REALTIME on one machine.

Baseline: the stock watcher, a process that polls `PRAGMA data_version` every 50 ms and
reads `store.since()` when it changes, with the same writer.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    Figure, Sizes, finish_worker, isolated_env, log, median, percentile, ratio, run_worker,
    spawn_worker,
)
from benchmarks.data import World

P50_TARGET_MS = 5.0
P99_TARGET_MS = 25.0
GAP_S = (0.02, 0.04)


def _run(world: World, sizes: Sizes, watcher: str, tag: str) -> dict[str, Any]:
    env = isolated_env(world.root, world.home, world.hub)
    ready = world.root / f"ready-{tag}"
    seen_file = world.root / f"seen-{tag}.tsv"
    common = {"home": str(world.home), "hub": str(world.hub), "group_id": world.delivery_id,
              "prefix": f"dlv-{tag}-", "count": sizes.delivery_messages}
    # The watcher gives up 15 s after the writer should be done: what it has not shown by
    # then counts as missing.
    timeout = sizes.delivery_messages * sum(GAP_S) / 2 + 15
    proc = spawn_worker(watcher, {**common, "ready": str(ready), "seen_file": str(seen_file),
                                  "timeout": timeout}, env)
    deadline = time.monotonic() + 60
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            finish_worker(proc, watcher, timeout=5)  # raises with the watcher's stderr
            raise RuntimeError(f"{watcher} never became ready")
        time.sleep(0.05)
    commits = run_worker("delivery:worker_writer", common, env, timeout=600)["commits"]
    crash = None
    try:
        finish_worker(proc, watcher, timeout=120)
    except RuntimeError as exc:
        # The watcher died (the app crashed): what it saw until then is in the file, and the
        # rest counts as missing rather than hiding the whole figure.
        crash = str(exc)[:3000]
    seen = _read_seen(seen_file)
    latencies = [(seen[body] - at) * 1000 for body, at in commits.items() if body in seen]
    return {"latencies": latencies, "missing": len(commits) - len(latencies), "crash": crash}


def _read_seen(path: Path) -> dict[str, float]:
    seen: dict[str, float] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            body, _, at = line.partition("\t")
            if at:
                seen.setdefault(body, float(at))
    return seen


def measure(world: World, sizes: Sizes) -> list[Figure]:
    log(f"figure 4: delivery of {sizes.delivery_messages} messages to a running app")
    app = _run(world, sizes, "delivery:worker_app_watcher", "app")
    log("figure 4 baseline: data_version poller at 50 ms")
    poll = _run(world, sizes, "delivery:worker_poll_watcher", "poll")
    notes = []
    for name, run in (("the app", app), ("the baseline poller", poll)):
        if run["missing"]:
            notes.append(f"{run['missing']} of {sizes.delivery_messages} messages never reached "
                         f"{name}; percentiles are over the {len(run['latencies'])} that did")
        if run["crash"]:
            notes.append(f"{name} crashed: " + run["crash"].split("\n")[0][-120:])
    figures = []
    for pct, target in ((50, P50_TARGET_MS), (99, P99_TARGET_MS)):
        value = percentile(app["latencies"], pct) if app["latencies"] else None
        baseline = percentile(poll["latencies"], pct) if poll["latencies"] else None
        figures.append(Figure(
            f"delivery_p{pct}", f"delivery between processes, commit to row in the log, p{pct}",
            "ms", value, baseline, "data_version poller, 50 ms", f"<= {target:g} ms",
            value is not None and value <= target and app["missing"] == 0,
            ratio(value, baseline),
            {"messages": sizes.delivery_messages, "missing": app["missing"],
             "baseline_missing": poll["missing"], "watcher_crash": app["crash"],
             "baseline_watcher_crash": poll["crash"],
             "median_ms": median(app["latencies"]) if app["latencies"] else None,
             "max_ms": max(app["latencies"]) if app["latencies"] else None,
             "samples_ms": app["latencies"], "baseline_samples_ms": poll["latencies"]},
            notes=notes))
    return figures


# ----------------------------------------------------------------------------- child processes
def worker_writer(args: dict[str, Any]) -> dict[str, Any]:
    from peers_tui.core.account import Account

    account = Account(Path(args["home"]), Path(args["hub"]))
    store = account.store(account.resolve(args["group_id"]))
    store.roster()  # open and check the file before the first timed message
    committed: list[float] = []
    commit = store.db.commit

    def timed_commit() -> Any:
        result = commit()
        committed.append(time.time())
        return result

    store.db.commit = timed_commit  # type: ignore[method-assign]
    rng = random.Random(4)
    commits: dict[str, float] = {}
    for i in range(args["count"]):
        time.sleep(rng.uniform(*GAP_S))
        body = f"{args['prefix']}{i:05d}"
        store.post(account.keypair, body)
        commits[body] = committed[-1]
    return {"commits": commits}


class SeenLog:
    """The watcher's record of when each message reached it, written through to a file as it
    goes, so that a watcher that crashes still leaves what it saw."""

    def __init__(self, args: dict[str, Any]) -> None:
        self.prefix = args["prefix"]
        self.seen: set[str] = set()
        self.file = open(args["seen_file"], "a", buffering=1)

    def add(self, views: list[Any], now: float) -> None:
        for view in views:
            if view.body.startswith(self.prefix) and view.body not in self.seen:
                self.seen.add(view.body)
                self.file.write(f"{view.body}\t{now!r}\n")


async def worker_app_watcher(args: dict[str, Any]) -> dict[str, Any]:
    from peers_tui.factory import build_app
    from peers_tui.core.account import Account
    from peers_tui.widgets import MessageLog

    account = Account(Path(args["home"]), Path(args["hub"]))
    app = build_app(account, args["group_id"])
    seen = SeenLog(args)
    async with app.run_test(size=(120, 40)) as pilot:
        log_widget = app.screen.query_one(MessageLog)
        deadline = time.monotonic() + 30
        while not log_widget.loaded and time.monotonic() < deadline:
            await pilot.pause(0.01)
        apply_live = log_widget.apply_live

        def stamped(views: list[Any]) -> None:
            apply_live(views)
            now = time.time()
            present = {v.id for v in log_widget.views}
            seen.add([v for v in views if v.id in present], now)

        log_widget.apply_live = stamped  # type: ignore[method-assign]
        await pilot.pause(1.0)  # the hub watcher thread is up and its first sweep done
        Path(args["ready"]).touch()
        end = time.monotonic() + args["timeout"]
        while len(seen.seen) < args["count"] and time.monotonic() < end:
            await asyncio.sleep(0.05)
    return {"seen": len(seen.seen)}


def worker_poll_watcher(args: dict[str, Any]) -> dict[str, Any]:
    from peers_tui.core.account import Account

    account = Account(Path(args["home"]), Path(args["hub"]))
    entry = account.resolve(args["group_id"])
    store = account.store(entry)
    connection = sqlite3.connect(f"file:{entry.db_path}?mode=ro", uri=True)
    version = connection.execute("PRAGMA data_version").fetchone()[0]
    position = store.last_rowid()
    seen = SeenLog(args)
    Path(args["ready"]).touch()
    end = time.monotonic() + args["timeout"]
    next_tick = time.monotonic()
    while len(seen.seen) < args["count"] and time.monotonic() < end:
        next_tick += 0.05
        time.sleep(max(0.0, next_tick - time.monotonic()))
        now_version = connection.execute("PRAGMA data_version").fetchone()[0]
        if now_version != version:
            version = now_version
            views, position = store.since(position)
            seen.add(views, time.time())
    return {"seen": len(seen.seen)}
