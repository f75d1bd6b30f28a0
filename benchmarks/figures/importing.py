"""Figure 10: `peers import` of the big group's history, as a whole process.

Baseline: the floor for storing the same file in SQLite at all, a child process that parses
each JSON line and bulk-inserts the four fields into a plain WAL table in one transaction (no
checks, signatures, hash chains or search index). The ratio is what peers' guarantees cost.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from benchmarks.common import (
    PYTHON, Figure, Sizes, isolated_env, log, peers_command, ratio, timed_process,
)
from benchmarks.data import World

TARGET_S = 60.0


def measure(world: World, sizes: Sizes) -> list[Figure]:
    env = isolated_env(world.root, world.home, world.hub)
    log(f"figure 10: peers import of {sizes.big_messages:,} messages")
    seconds, proc = timed_process(peers_command() + ["import", World.BIG, str(world.big_jsonl)],
                                  env, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"peers import failed: {proc.stderr.strip()}")
    expected = f"imported {sizes.big_messages} messages"
    if expected not in proc.stdout:
        raise RuntimeError(f"peers import said {proc.stdout.strip()!r}, expected {expected!r}")

    log("figure 10 baseline: plain bulk insert of the same file")
    target = world.root / "bulk-baseline.db"
    base_s, base = timed_process([PYTHON, "-m", "benchmarks.workers", "importing:worker_bulk_insert",
                                  json.dumps({"file": str(world.big_jsonl), "db": str(target)})],
                                 env, timeout=1800)
    if base.returncode != 0:
        raise RuntimeError(f"bulk insert baseline failed: {base.stderr.strip()}")
    target.unlink(missing_ok=True)
    return [Figure(
        "import_1m", f"peers import of {sizes.big_messages:,} messages (whole process)", "s",
        seconds, base_s, "plain sqlite3 bulk insert", f"< {TARGET_S:.0f} s",
        seconds < TARGET_S, ratio(seconds, base_s),
        {"messages": sizes.big_messages, "rate_per_s": sizes.big_messages / seconds,
         "file_mb": world.big_jsonl.stat().st_size / 2**20})]


def worker_bulk_insert(args: dict[str, Any]) -> dict[str, Any]:
    db = sqlite3.connect(args["db"])
    db.execute("PRAGMA journal_mode=wal")
    db.execute("PRAGMA synchronous=normal")
    db.execute("CREATE TABLE message (orig_id TEXT, author TEXT, body TEXT, created_at INTEGER)")
    with open(args["file"], encoding="utf-8") as lines, db:
        rows = ((d["id"], d["author"], d["body"], d["created_at"])
                for d in map(json.loads, lines))
        db.executemany("INSERT INTO message VALUES (?, ?, ?, ?)", rows)
    count = db.execute("SELECT COUNT(*) FROM message").fetchone()[0]
    db.close()
    return {"rows": count}
