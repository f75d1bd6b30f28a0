"""Figure 8: `peers send` from a shell, the whole process, median.

`peers send big TEXT` run as a shell would run it (the installed script, a fresh process
each time, the user with all the groups, into the big group so that the history's size
would show if it cost anything). One warm-up run is not counted.

Baseline and floor: the least any Python command that stores a row needs, the same
interpreter starting, importing sqlite3 and committing one INSERT into a WAL database, as a
whole process. The sends and the floor alternate (after one warm-up of each), so that the
machine's load weighs on both alike. Targets: <= 150 ms, and <= 3x the floor.
"""

from __future__ import annotations

from benchmarks.common import (
    PYTHON, Figure, Sizes, isolated_env, log, median, peers_command, ratio, timed_process,
)
from benchmarks.data import World

TARGET_MS = 150.0
FLOOR_RATIO = 3.0
FLOOR = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
         "c.execute('PRAGMA journal_mode=wal'); "
         "c.execute('CREATE TABLE IF NOT EXISTS t (body TEXT)'); "
         "c.execute('INSERT INTO t VALUES (?)', (sys.argv[2],)); c.commit()")


def measure(world: World, sizes: Sizes) -> list[Figure]:
    log(f"figure 8: peers send x {sizes.send_repeats}")
    env = isolated_env(world.root, world.home, world.hub)
    floor_db = world.root / "send-floor.db"
    samples: list[float] = []
    floor: list[float] = []
    for i in range(sizes.send_repeats + 1):
        seconds, proc = timed_process(peers_command() + ["send", World.BIG, f"benchmark send {i}"],
                                      env, timeout=60)
        if proc.returncode != 0:
            raise RuntimeError(f"peers send failed: {proc.stderr.strip()}")
        floor_seconds, floor_proc = timed_process([PYTHON, "-c", FLOOR, str(floor_db),
                                                   f"row {i}"], env, timeout=60)
        if floor_proc.returncode != 0:
            raise RuntimeError(f"send floor failed: {floor_proc.stderr.strip()}")
        if i:  # the first of each is a warm-up (byte-code and page caches)
            samples.append(seconds * 1000)
            floor.append(floor_seconds * 1000)

    value, baseline = median(samples), median(floor)
    return [Figure(
        "send", "peers send from a shell, whole process, median", "ms", value, baseline,
        "python + sqlite3 INSERT, whole process",
        f"<= {TARGET_MS:.0f} ms; <= {FLOOR_RATIO:g}x floor",
        value <= TARGET_MS and value <= FLOOR_RATIO * baseline,
        ratio(value, baseline), {"samples_ms": samples, "floor_samples_ms": floor},
        floor=baseline, floor_label="python + sqlite3 INSERT, whole process",
        floor_ratio=ratio(value, baseline))]
