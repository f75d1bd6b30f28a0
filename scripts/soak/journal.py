"""What the soak's run keeps and says: its random source, its counts, ops.log, its defects."""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path
from typing import TextIO

rng = random.Random()  # seeded with the run's SEED before anything draws from it
counts: Counter[str] = Counter()
attack_kinds: Counter[str] = Counter()
fault_kinds: Counter[str] = Counter()
defects: list[str] = []
reasons: Counter[str] = Counter()
recent: list[str] = []
OPS: TextIO | None = None  # ROOT/ops.log, once open_ops_log has run


def open_ops_log(root: Path) -> None:
    global OPS
    OPS = open(root / "ops.log", "a")


def say(line: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {line}", flush=True)


def note(line: str) -> None:
    line = f"{time.strftime('%H:%M:%S')} {line}"
    assert OPS is not None
    OPS.write(line + "\n")
    OPS.flush()
    recent.append(line)
    del recent[:-40]


def defect(what: str) -> None:
    counts["defects"] += 1
    defects.append(what)
    say("DEFECT " + what)
    say("  last ops:\n    " + "\n    ".join(recent[-12:]))


def not_made(kind: str, how: str, host: str, group: str, exc: Exception) -> None:
    """An attack the file would not take (busy, a place taken meanwhile): noted, counted
    apart from the attacks made."""
    note(f"ATTACK {kind} {how} {host} {group} not made: {exc}")
    counts["attacks not made"] += 1
