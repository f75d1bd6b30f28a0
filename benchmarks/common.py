"""What every figure module shares: the sizes, the result record, statistics and processes."""

from __future__ import annotations

import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@dataclass(frozen=True)
class Sizes:
    """How big everything is. `full` is what the targets are written for; `quick` is a smoke test."""

    name: str
    big_messages: int          # the "1,000,000-message group"
    small_messages: int        # the group `peers open` of the big one is compared with
    groups: int                # shared groups in the account (the big, small and delivery ones included)
    filler_messages: int       # messages in each of the other groups
    log_baseline_messages: int # what RichLog / widget-per-message are asked to show
    baseline_cap_s: float      # a stock log that takes longer than this is reported as capped
    switch_repeats: int
    start_repeats: int         # `peers open` / cold starts measured (after one warm-up)
    delivery_messages: int
    idle_window_s: float
    search_repeats: int
    send_repeats: int
    writers: int
    per_writer: int
    echo_keys: int             # keystrokes timed in the composer, and in the bare echo floor
    key_messages: int          # messages sent by Enter in one TUI and timed on the other's screen
    alt_switches: int          # Alt+N switches to the big group (and as many back)
    # Groups across hosts (benchmarks/relay.py): messages timed leaf -> hub -> leaf, the cut
    # of one leaf and the records written on each side of it, the idle window.
    relay_messages: int = 200
    relay_cut_s: float = 60.0
    relay_cut_records: int = 1000
    relay_idle_s: float = 10.0

    @classmethod
    def full(cls) -> Sizes:
        return cls("full", 1_000_000, 100, 200, 100, 5_000, 30.0, 7, 5, 300, 10.0, 5, 21, 8, 500,
                   40, 100, 9)

    @classmethod
    def quick(cls) -> Sizes:
        return cls("quick", 2_000, 100, 10, 20, 500, 30.0, 3, 1, 30, 2.0, 2, 5, 2, 20,
                   4, 4, 2, relay_messages=10, relay_cut_s=3.0, relay_cut_records=30,
                   relay_idle_s=1.0)


@dataclass
class Figure:
    """One line of the table: a measured value, its baseline from the same run, the target."""

    key: str
    title: str
    unit: str
    value: float | None
    baseline: float | None
    baseline_label: str
    target: str
    met: bool | None                  # judged against the full-size target (None: not measured)
    ratio: float | None = None        # value / baseline, where a ratio means something
    details: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None         # why value is None
    notes: list[str] = field(default_factory=list)  # what a reader of the table must know
    # The physical floor of this figure on this machine, measured in the same run: the least
    # that the same stack (Python, Textual, tmux, SQLite) needs for the same visible result.
    floor: float | None = None
    floor_label: str = ""
    floor_ratio: float | None = None  # value / floor

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def unmeasured(key: str, title: str, unit: str, baseline_label: str, target: str,
               reason: str) -> Figure:
    """A figure that could not be taken on this machine (e.g. no tmux), saying why."""
    return Figure(key, title, unit, None, None, baseline_label, target, None, reason=reason)


def ratio(value: float | None, baseline: float | None) -> float | None:
    if value is None or baseline is None or baseline == 0:
        return None
    return value / baseline


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest sample at or above pct% of them (no interpolation)."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def log(message: str) -> None:
    """Progress goes to stderr so that `--json` leaves stdout holding exactly one object."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- processes
def peers_command() -> list[str]:
    """The installed `peers` script beside this interpreter (what a shell runs), else -m."""
    script = Path(PYTHON).parent / "peers"
    return [str(script)] if script.exists() else [PYTHON, "-m", "peers_tui"]


def isolated_env(root: Path, home: Path | None = None, hub: Path | None = None) -> dict[str, str]:
    """The environment for every child: nothing of the developer's own peers data is touched."""
    env = dict(os.environ)
    env.update({
        "PEERS_CONFIG_DIR": str(root / "config"),
        "XDG_DATA_HOME": str(root / "xdg-data"),
        "XDG_CONFIG_HOME": str(root / "xdg-config"),
        "PYTHONPATH": str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
    })
    for var in ("PEERS_HOME", "PEERS_HUB", "TEXTUAL", "TEXTUAL_DEVTOOLS_PORT"):
        env.pop(var, None)
    # An installed peers starts from cached byte-code (pip compiles wheels). A checkout run
    # with PYTHONDONTWRITEBYTECODE would compile every module of peers_tui at every start
    # instead, which is not what users pay. So children keep their byte-code, in a cache
    # under the benchmark's own temporary directory (nothing is written into the checkout);
    # the uncounted warm-up runs fill it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
    if home is not None:
        env["PEERS_HOME"] = str(home)
    if hub is not None:
        env["PEERS_HUB"] = str(hub)
    return env


def run_worker(task: str, args: dict[str, Any], env: dict[str, str], timeout: float
               ) -> dict[str, Any]:
    """Run `benchmarks.workers` TASK in its own process; its last stdout line is JSON.

    Measurements that start Textual or must not share a GIL with us run this way, so the
    benchmark driver's own state never leaks into a figure.
    """
    proc = subprocess.run(_worker_argv(task, args),
                          capture_output=True, text=True, env=env, timeout=timeout, cwd=REPO)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"worker {task} failed (exit {proc.returncode}): "
                           f"{_stderr_tail(proc.stderr)}")
    return json.loads(lines[-1])


def _worker_argv(task: str, args: dict[str, Any]) -> list[str]:
    # faulthandler: a child killed by a signal (SIGSEGV, SIGBUS) still says where it was.
    return [PYTHON, "-X", "faulthandler", "-m", "benchmarks.workers", task, json.dumps(args)]


def _stderr_tail(err: str) -> str:
    """The part of a child's stderr worth reporting: a fatal error's own thread, else the end."""
    fatal = err.find("Fatal Python error")
    return err[fatal:fatal + 2500] if fatal >= 0 else err.strip()[-2000:]


def spawn_worker(task: str, args: dict[str, Any], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(_worker_argv(task, args),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=REPO)


def finish_worker(proc: subprocess.Popen[str], task: str, timeout: float) -> dict[str, Any]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise RuntimeError(f"worker {task} timed out after {timeout:.0f} s: {_stderr_tail(err)}")
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"worker {task} failed (exit {proc.returncode}): {_stderr_tail(err)}")
    return json.loads(lines[-1])


def timed_process(argv: list[str], env: dict[str, str], timeout: float,
                  stdin: str | None = None) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall time of a whole process, from fork to exit, in seconds."""
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout,
                          input=stdin)
    return time.perf_counter() - start, proc


def have_tmux() -> bool:
    return shutil.which("tmux") is not None

