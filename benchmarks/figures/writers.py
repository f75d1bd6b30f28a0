"""Figure 9: `writers` processes x `per_writer` messages into one group, all at once.

Each writer is a different member (founder plus members who joined by invite, all through
the core API), in its own process, calling `Account.send` in a loop; all start on the same
instant. Every exception is an error and the writer carries on. Afterwards every message is
read back verified (`export_views`) and `verify()` checks every record and chain: a message
whose send returned but which is not there is lost (silently), a failed check is an error.
The figure is errors + lost, so a message that failed loudly is counted once.

Baseline: the stock approach to the same load, plain sqlite3 writers on a WAL file with a
5 s busy timeout and Python's default (deferred) transactions doing what a chained log
needs: read the author's last sequence number, then insert the next. That read-then-write
is what fails with SQLITE_BUSY under contention (the busy handler cannot help a deferred
transaction whose snapshot is stale), which is why peers begins every write IMMEDIATE.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Figure, Sizes, finish_worker, isolated_env, log, spawn_worker
from benchmarks.data import World


def _run_all(task: str, per_writer_args: list[dict[str, Any]], env: dict[str, str]
             ) -> tuple[list[dict[str, Any]], float]:
    # Every process imported and connected before the common start (~0.3 s each, 2 cores).
    start_at = time.time() + 1.0 + 0.25 * len(per_writer_args)
    procs = [spawn_worker(task, {**args, "start_at": start_at}, env) for args in per_writer_args]
    results = [finish_worker(p, task, timeout=900) for p in procs]
    return results, max(r["finished"] for r in results) - start_at


def measure(world: World, sizes: Sizes) -> list[Figure]:
    from peers_tui.core.account import Account

    n, per = sizes.writers, sizes.per_writer
    log(f"figure 9: {n} writers x {per} messages")
    hub = world.root / "writers-hub"
    homes = [world.root / f"writer-{k}" for k in range(n)]
    founder = Account(homes[0], hub)
    group = founder.create_group("contention")
    if n > 1:
        code = str(founder.invite(group.id, uses=n - 1))
        for home in homes[1:]:
            Account(home, hub).join(code)
    env = isolated_env(world.root)
    results, seconds = _run_all("writers:worker_peers_writer", [
        {"home": str(home), "hub": str(hub), "group_id": group.id, "count": per, "tag": f"w{k}"}
        for k, home in enumerate(homes)], env)
    errors = sum(r["errors"] for r in results)
    failed = {body for r in results for body in r["failed"]}
    stored = {view.body for view in founder.export_views(group.id)}
    expected = {f"w{k}-{i}" for k in range(n) for i in range(per)}
    lost = len(expected - stored - failed)
    problems = founder.store(group).verify()

    log(f"figure 9 baseline: {n} plain sqlite3 writers with deferred transactions")
    plain = world.root / "writers-plain.db"
    with sqlite3.connect(plain) as db:
        db.execute("PRAGMA journal_mode=wal")
        db.execute("CREATE TABLE msg (author TEXT, seq INTEGER, body TEXT, UNIQUE (author, seq))")
    base_results, base_seconds = _run_all("writers:worker_plain_writer", [
        {"db": str(plain), "count": per, "tag": f"w{k}"} for k in range(n)], env)
    base_errors = sum(r["errors"] for r in base_results)
    base_failed = {body for r in base_results for body in r["failed"]}
    with sqlite3.connect(plain) as db:
        base_stored = {row[0] for row in db.execute("SELECT body FROM msg")}
    base_lost = len(expected - base_stored - base_failed)

    value = errors + lost + len(problems)
    return [Figure(
        "writers", f"{n} writer processes x {per} messages, one group: errors + lost", "count",
        value, base_errors + base_lost, "plain sqlite3, deferred transactions", "0 errors, 0 lost",
        value == 0, None,
        {"errors": errors, "lost": lost, "verify_problems": [str(p) for p in problems[:5]],
         "stored": len(stored & expected), "seconds": seconds,
         "messages_per_s": n * per / seconds, "error_samples": sum((r["samples"] for r in results), [])[:5],
         "baseline_errors": base_errors, "baseline_lost": base_lost,
         "baseline_messages_per_s": n * per / base_seconds,
         "baseline_error_samples": sum((r["samples"] for r in base_results), [])[:3]})]


def _wait(start_at: float) -> None:
    time.sleep(max(0.0, start_at - time.time()))


def worker_peers_writer(args: dict[str, Any]) -> dict[str, Any]:
    from peers_tui.core.account import Account

    account = Account(Path(args["home"]), Path(args["hub"]))
    account.resolve(args["group_id"])
    failed, samples = [], []
    _wait(args["start_at"])
    for i in range(args["count"]):
        body = f"{args['tag']}-{i}"
        try:
            account.send(args["group_id"], body)
        except Exception as exc:  # noqa: BLE001 - every failure counts, whatever its kind
            failed.append(body)
            samples.append(f"{type(exc).__name__}: {exc}")
    return {"errors": len(failed), "failed": failed, "samples": samples[:3],
            "finished": time.time()}


def worker_plain_writer(args: dict[str, Any]) -> dict[str, Any]:
    db = sqlite3.connect(args["db"], timeout=5)
    db.isolation_level = None  # we issue BEGIN ourselves, DEFERRED as sqlite3's default is
    failed, samples = [], []
    _wait(args["start_at"])
    for i in range(args["count"]):
        body = f"{args['tag']}-{i}"
        try:
            db.execute("BEGIN")
            last = db.execute("SELECT COALESCE(MAX(seq), 0) FROM msg WHERE author = ?",
                              (args["tag"],)).fetchone()[0]
            db.execute("INSERT INTO msg VALUES (?, ?, ?)", (args["tag"], last + 1, body))
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            failed.append(body)
            samples.append(f"{type(exc).__name__}: {exc}")
            if db.in_transaction:
                db.execute("ROLLBACK")
    return {"errors": len(failed), "failed": failed, "samples": samples[:3],
            "finished": time.time()}
