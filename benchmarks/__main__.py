"""`python -m benchmarks [--quick] [--json] [--keep] [--no-relay] [--only FIGS] [--join-1m]`: every figure beside its baseline.

Builds its data in a fresh temporary directory with the project's own code, runs the figures
in an order where none disturbs the next (read-only ones first; those that add messages to
the big group last), prints the table (or one JSON object), and deletes the directory.

The relay figures (groups across hosts, issue 15: benchmarks/relay.py, rows R1-R4) run last,
on three hosts of their own; `--no-relay` or PEERS_BENCH_NO_RELAY=1 leaves them out. When
`benchmarks/relay_join.py` exists, its `suite_figures(root, sizes) -> list[Figure]` runs after them
(a new host joining a large group).

`--only 2,3,R1a` (numbers or keys) runs only the families holding those figures, for work on
one figure; the 1,000,000-message group is still built when any figure on one host is asked.

Exit status: 0 when every figure was measured (and, at full size, met its target); 1 when a
full-size target was missed; 2 when a figure could not be measured because of an error.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from typing import Any
from pathlib import Path

from benchmarks import data, relay
from benchmarks.common import Figure, Sizes, have_tmux, isolated_env, log, unmeasured
from benchmarks.figures import (
    delivery, idle, importing, keys, log_open, search, send, tui_start, verifying, writers,
)
from benchmarks.tmux import Tmux


# Each key names a figure in the JSON; the number is the figure's in the issue (4 has two rows).
NUMBERS = {"open_switch": "1", "peers_open": "2", "cold_start": "3", "delivery_p50": "4a",
           "delivery_p99": "4b", "idle_cpu": "5", "rss": "6", "search_p95": "7", "send": "8",
           "writers": "9", "import_1m": "10", "verify_1m": "11", "echo": "12",
           "key_to_screen_p50": "13a", "key_to_screen_p99": "13b", "own_echo_p50": "13c",
           "own_echo_p99": "13d", "alt_switch": "14",
           # Groups across hosts (issue 15), numbered apart from issue 16's fourteen.
           "relay_delivery_p50": "R1a", "relay_delivery_p99": "R1b", "relay_convergence": "R2",
           "relay_idle_cpu": "R3", "relay_rss": "R4", "relay_join_newest": "R5a",
           "relay_join_all": "R5b", "relay_join_all_1m": "R5c", "relay_join_echo_p50": "R6a",
           "relay_join_echo_p99": "R6b", "relay_join_echo_floor_p50": "R6c"}
JOIN_KEYS = ["relay_join_newest", "relay_join_all", "relay_join_echo_p50", "relay_join_echo_p99",
             "relay_join_echo_floor_p50"]
ORDER = list(NUMBERS)
RELAY_KEYS = [key for key, number in NUMBERS.items() if number.startswith("R")]
NO_RELAY_ENV = "PEERS_BENCH_NO_RELAY"


def relay_join() -> Any:
    """benchmarks/relay_join.py (a new host joining a large group) when it exists, else None."""
    try:
        return importlib.import_module("benchmarks.relay_join")
    except ModuleNotFoundError as exc:
        if exc.name == "benchmarks.relay_join":
            return None
        raise


def machine() -> dict[str, object]:
    model = ""
    try:
        with open("/proc/cpuinfo") as handle:
            model = next((line.split(":", 1)[1].strip() for line in handle
                          if line.startswith("model name")), "")
    except OSError:
        pass
    import textual

    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "platform": platform.platform(), "sqlite": sqlite3.sqlite_version,
            "textual": textual.__version__,
            "tmux": shutil.which("tmux") is not None,
            # Anything else running (a test suite, another benchmark) shows here.
            "loadavg_1m": round(os.getloadavg()[0], 2)}


Step = Callable[[list[str], Callable[[], list[Figure]]], None]


def one_host(sizes: Sizes, root: Path, step: Step, wanted: Callable[[list[str]], bool]) -> None:
    """The figures on one host, in an order where none disturbs the next."""
    world = data.make_world(root)
    data.write_big_file(world, sizes)
    data.create_big_group(world)
    if wanted(["import_1m"]):
        step(["import_1m"], lambda: importing.measure(world, sizes))
    else:  # it fills the big group every other figure reads
        importing.measure(world, sizes)
    step(["verify_1m"], lambda: verifying.measure(world, sizes))  # before anything adds to it
    data.build_fleet(world, sizes)
    tmux: Tmux | None = None
    if have_tmux():
        tmux = Tmux(root, isolated_env(root))
    else:
        log("tmux not found: the figures taken in a terminal are left out")
    try:
        step(["search_p95"], lambda: search.measure(world, sizes))
        step(["open_switch"], lambda: log_open.measure(world, sizes))
        step(["peers_open", "cold_start"], lambda: tui_start.measure(world, sizes, tmux))
        step(["idle_cpu", "rss"], lambda: idle.measure(world, sizes, tmux))
        step(["echo", "key_to_screen_p50", "key_to_screen_p99", "own_echo_p50", "own_echo_p99",
              "alt_switch"],
             lambda: keys.measure(world, sizes, tmux))
        step(["delivery_p50", "delivery_p99"], lambda: delivery.measure(world, sizes))
        step(["send"], lambda: send.measure(world, sizes))  # adds to the big group: after the rest
        step(["writers"], lambda: writers.measure(world, sizes))
    finally:
        if tmux is not None:
            tmux.close()


def only_keys(text: str) -> set[str]:
    """`--only 2,R1a,send` -> the figure keys; unknown names are a usage error."""
    by_number = {number.lower(): key for key, number in NUMBERS.items()}
    keys = set()
    for name in filter(None, (part.strip() for part in text.split(","))):
        key = by_number.get(name.lower(), name)
        if key not in NUMBERS:
            raise SystemExit(f"--only: no figure {name!r} (numbers or keys: "
                             f"{', '.join(NUMBERS.values())})")
        keys.add(key)
    return keys


def run(sizes: Sizes, keep: bool, with_relay: bool = True,
        only: set[str] | None = None, join_1m: bool = False) -> dict[str, Any]:
    started = time.time()
    load_before = round(os.getloadavg()[0], 2)
    root = Path(tempfile.mkdtemp(prefix="peers-bench-"))
    figures: dict[str, Figure] = {}
    load_by_family: dict[str, float] = {}  # the 1-minute load average as each family began
    try:
        def wanted(keys: list[str]) -> bool:
            return only is None or bool(only.intersection(keys))

        def step(keys: list[str], measure: Callable[[], list[Figure]]) -> None:
            """Run one family; if it fails, its figures say why instead of stopping the run."""
            if not wanted(keys):
                return
            load_by_family[",".join(keys)] = round(os.getloadavg()[0], 2)
            try:
                for figure in measure():
                    figures[figure.key] = figure
            except Exception as exc:  # noqa: BLE001 - reported in the figure, run goes on
                traceback.print_exc(file=sys.stderr)
                for key in keys:
                    figures[key] = unmeasured(key, key, "", "", "", f"error: {exc}")

        if only is None or only - set(RELAY_KEYS):
            one_host(sizes, root, step, wanted)
        if with_relay:  # last: three relays and their servers, in their own directories
            step(relay.KEYS, lambda: relay.measure(root, sizes))
            join = relay_join()
            if join is not None:
                step(JOIN_KEYS, lambda: join.suite_figures(root, sizes))
                if join_1m or (only is not None and "relay_join_all_1m" in only):
                    step(["relay_join_all_1m"],
                         lambda: join.suite_figures(root, sizes, with_1m=True, main=False))
    finally:
        if keep:
            log(f"data kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return {
        "mode": sizes.name,
        "enforced": sizes.name == "full",
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime(started)),
        "seconds": round(time.time() - started, 1),
        "machine": {**machine(), "loadavg_1m_at_start": load_before,
                    "loadavg_1m_by_figure": load_by_family,
                    # What every child process runs with (common.isolated_env).
                    "bytecode": "cached in PYTHONPYCACHEPREFIX (PYTHONDONTWRITEBYTECODE unset), "
                                "as an installed wheel starts"},
        "sizes": sizes.__dict__,
        "figures": {key: figures[key].to_json()
                    for key in ORDER + sorted(set(figures) - set(ORDER)) if key in figures},
    }


# ----------------------------------------------------------------------------- the table
def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "count":
        return f"{value:.0f}"
    if unit == "% core":
        return f"{value:.2f} %"
    if unit in ("ms", "MB", "s") and value >= 100:
        return f"{value:.0f} {unit}"
    return f"{value:.1f} {unit}" if unit in ("ms", "MB", "s") else f"{value:.2f} {unit}"


def verdict(figure: dict[str, Any], enforced: bool) -> str:
    if figure["value"] is None:
        return "n/a"
    text = "pass" if figure["met"] else "MISS"
    return text if enforced else f"({text.lower()})"


def table(result: dict[str, Any]) -> str:
    enforced = bool(result["enforced"])
    rows = [("#", "figure", "value", "baseline", "ratio", "floor", "x floor", "target", "met")]
    notes = []
    floors: dict[str, list[str]] = {}
    for key, figure in result["figures"].items():
        unit = figure["unit"]
        ratio = figure["ratio"]
        floor_ratio = figure.get("floor_ratio")
        number = NUMBERS.get(key, "R5")
        rows.append((number,
                     figure["title"], fmt(figure["value"], unit),
                     f"{fmt(figure['baseline'], unit)} ({figure['baseline_label']})"
                     if figure["baseline_label"] else fmt(figure["baseline"], unit),
                     f"{ratio:.2f}x" if ratio is not None else "-",
                     fmt(figure.get("floor"), unit) if figure.get("floor_label") else "",
                     f"{floor_ratio:.2f}x" if floor_ratio is not None else "",
                     figure["target"], verdict(figure, enforced)))
        if figure.get("floor_label"):
            floors.setdefault(figure["floor_label"], []).append(number)
        if figure["reason"]:
            notes.append(f"  {number} {key}: {figure['reason']}")
        notes.extend(f"  {number} {key}: {note}" for note in figure.get("notes", []))
    notes = [f"  floor of {', '.join(numbers)}: {label} (same run)"
             for label, numbers in floors.items()] + notes
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    machine_ = result["machine"]
    head = (f"peers benchmarks, {result['mode']} sizes, {result['date']}, "
            f"{machine_['nproc']} cores, Python {machine_['python']}, "
            f"SQLite {machine_['sqlite']}, load {machine_['loadavg_1m_at_start']}->"
            f"{machine_['loadavg_1m']}, {result['seconds']} s")
    tail = [] if enforced else ["(quick sizes: targets are for the full sizes and not enforced)"]
    return "\n".join([head, ""] + lines + ([""] + ["notes:"] + notes if notes else []) + tail)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that it runs")
    parser.add_argument("--json", action="store_true", help="print one JSON object, not the table")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    parser.add_argument("--no-relay", action="store_true",
                        help=f"leave out the figures across hosts (also: {NO_RELAY_ENV}=1)")
    parser.add_argument("--only", metavar="FIGS",
                        help="comma-separated figure numbers or keys (e.g. 2,3,R1a): only those")
    parser.add_argument("--join-1m", action="store_true",
                        help="also R5c, a new host joining 1,000,000 messages (~12 min more)")
    args = parser.parse_args()
    with_relay = not (args.no_relay or os.environ.get(NO_RELAY_ENV, "") not in ("", "0"))
    only = only_keys(args.only) if args.only else None
    result = run(Sizes.quick() if args.quick else Sizes.full(), args.keep, with_relay, only,
                 args.join_1m)
    print(json.dumps(result, indent=2) if args.json else table(result))
    figures = result["figures"].values()
    if any(str(f["reason"] or "").startswith("error") for f in figures):
        return 2
    if result["enforced"] and any(f["met"] is False for f in figures):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
