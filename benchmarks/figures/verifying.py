"""Figure 11: `peers verify` of the big group, as a whole process, stderr piped (no bar).

Every record is checked: signature, columns against the signed record, author chain, role at
the membership state it names, edits and deletions, then the whole-file checks and the pins.

Baseline, measured in the same run: the bare cost of the cryptography alone on one core, a
child process that reads (author, record, sig) of the same rows with plain sqlite3 and checks
each Ed25519 signature with PyNaCl, nothing else. It runs on a sample of up to BARE_SAMPLE rows
spread over the file and is scaled to the whole file. A ratio below 1 means verify (all rules,
two cores) finished sooner than one core can merely check the signatures. The floor is the
same checks split over the cores verify judges on (the baseline over the worker count): what
verify would take if it did nothing but the signatures, at full use of every core.

Also in the details: the reader's display path (`HistoryReader.views`, what verify ran before
it had a path of its own) on VIEWS_SAMPLE rows, scaled to the whole file.
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

from benchmarks.common import (
    PYTHON, Figure, Sizes, isolated_env, log, peers_command, ratio, timed_process,
)
from benchmarks.data import World

TARGET_S = 60.0
STRETCH_S = 30.0
BARE_SAMPLE = 200_000
VIEWS_SAMPLE = 20_000


def measure(world: World, sizes: Sizes) -> list[Figure]:
    env = isolated_env(world.root, world.home, world.hub)
    log(f"figure 11: peers verify of {sizes.big_messages:,} messages")
    seconds, proc = timed_process(peers_command() + ["verify", World.BIG], env, timeout=1800)
    if proc.returncode != 0 or not proc.stdout.startswith("ok "):
        raise RuntimeError(f"peers verify failed (exit {proc.returncode}): "
                           f"{(proc.stdout + proc.stderr).strip()[-500:]}")
    if proc.stderr:
        raise RuntimeError(f"peers verify wrote to a piped stderr: {proc.stderr[-300:]!r}")

    db_path = world.hub / f"{world.big_id}.db"
    log("figure 11 baseline: bare Ed25519 checks of the same records, one core")
    bare = _worker(env, "bare_signatures", {"db": str(db_path), "sample": BARE_SAMPLE})
    log("figure 11 detail: the reader's display path on a sample")
    views = _worker(env, "reader_views", {"home": str(world.home), "hub": str(world.hub),
                                          "group": world.big_id, "sample": VIEWS_SAMPLE})
    rows = bare["rows"]
    baseline = bare["seconds"] / bare["checked"] * rows
    views_s = views["seconds"] / views["checked"] * rows
    # The floor: those same checks split over the cores verify judges on (one worker a core),
    # the least any verify that checks every signature with this libsodium can take here.
    cores = _verify_cores(rows)
    floor = baseline / cores
    return [Figure(
        "verify_1m", f"peers verify of {sizes.big_messages:,} messages (whole process)", "s",
        seconds, baseline, "Ed25519 checks alone, 1 core",
        f"<= {TARGET_S:.0f} s (stretch {STRETCH_S:.0f} s)", seconds <= TARGET_S,
        ratio(seconds, baseline),
        {"rows": rows, "rate_per_s": rows / seconds, "us_per_row": seconds / rows * 1e6,
         "bare_sample": bare["checked"],
         "bare_us_per_signature": bare["seconds"] / bare["checked"] * 1e6,
         "views_sample": views["checked"], "views_path_scaled_s": views_s,
         "stretch_met": seconds <= STRETCH_S, "cores": cores},
        notes=[f"the reader's display path (what verify ran before) would take "
               f"~{views_s:.1f} s (measured on {views['checked']:,} rows, scaled)"],
        floor=floor, floor_label="Ed25519 checks alone, " + (
            f"split over {cores} cores" if cores > 1 else "1 core"),
        floor_ratio=ratio(seconds, floor))]


def _verify_cores(rows: int) -> int:
    """The worker processes `peers verify` judges a file of `rows` messages in (at least 1)."""
    from peers_tui.core.bulk_verify import _default_workers

    return max(1, _default_workers(rows))


def _worker(env: dict[str, str], task: str, args: dict[str, Any]) -> dict[str, Any]:
    _, proc = timed_process([PYTHON, "-m", "benchmarks.workers", f"verifying:worker_{task}",
                             json.dumps(args)], env, timeout=1800)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{task} failed: {proc.stderr.strip()[-1000:]}")
    return json.loads(lines[-1])


def worker_bare_signatures(args: dict[str, Any]) -> dict[str, Any]:
    """Check the signatures of every k-th row (an even spread of up to `sample` rows)."""
    import nacl.signing

    from peers_tui.core.encoding import unb32

    db = sqlite3.connect(f"file:{args['db']}?mode=ro", uri=True)
    rows = db.execute("SELECT COUNT(*) FROM message").fetchone()[0]
    step = max(1, -(-rows // args["sample"]))
    sample = db.execute("SELECT author, record, sig FROM message WHERE rowid % ? = 0",
                        (step,)).fetchall()
    keys: dict[str, nacl.signing.VerifyKey] = {}
    start = time.perf_counter()  # the crypto only: the rows were read above
    for author, text, sig in sample:
        key = keys.get(author)
        if key is None:
            key = keys[author] = nacl.signing.VerifyKey(unb32(author))
        key.verify(text.encode("utf-8"), sig)
    return {"rows": rows, "checked": len(sample), "seconds": time.perf_counter() - start}


def worker_reader_views(args: dict[str, Any]) -> dict[str, Any]:
    """`HistoryReader.views` over the first `sample` messages, 500 at a time, as verify did."""
    from pathlib import Path

    from peers_tui.core.account import Account
    from peers_tui.core.history import HistoryReader
    from peers_tui.core.models import Message

    account = Account(Path(args["home"]), Path(args["hub"]))
    store = account.store(account.resolve(args["group"]))
    roster = store.roster()
    start = time.perf_counter()
    checked = 0
    with store.session():
        reader = HistoryReader(roster, store.group_id)
        query = (Message.with_rowid().where(Message.target.is_null()).order_by(Message.id)
                 .limit(args["sample"]))
        batch: list[Message] = []
        for row in query.iterator():
            batch.append(row)
            if len(batch) >= 500:
                checked += len(reader.views(batch))
                batch = []
        checked += len(reader.views(batch))
    return {"checked": checked, "seconds": time.perf_counter() - start}
