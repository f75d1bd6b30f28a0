"""The soak's run (what it does: this package's docstring): its arguments, the set-up, the main
loop of operations, faults, attacks and checks, and at the end its counts and report.

    FAULT_EVERY=5 ATTACK_EVERY=10 .venv/bin/python -m scripts.soak SEED MINUTES [ROOT]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
os.chdir(REPO)

from scripts.soak import forge_changes, forge_conversation  # noqa: E402
from scripts.soak.attacks import attack, forged  # noqa: E402
from scripts.soak.checks import check  # noqa: E402
from scripts.soak.faults import fault, paused, tick_faults  # noqa: E402
from scripts.soak.hosts import hosts, set_up  # noqa: E402
from scripts.soak.journal import (  # noqa: E402
    attack_kinds, counts, defect, defects, fault_kinds, open_ops_log, reasons, rng, say)
from scripts.soak.operations import op  # noqa: E402

_parser = argparse.ArgumentParser(prog="python -m scripts.soak", description=(
    "Three hosts on loopback under random operations, faults and attacks (FAULT_EVERY, "
    "ATTACK_EVERY, CHECK_EVERY seconds from the environment)."))
_parser.add_argument("seed", type=int)
_parser.add_argument("minutes", type=float)
_parser.add_argument("root", nargs="?", type=Path, help="a new directory (default: the temp dir)")
_args = _parser.parse_args()
SEED, MINUTES = _args.seed, _args.minutes
ROOT = _args.root or Path(tempfile.gettempdir()) / f"peers-soak-{SEED}"
FAULT_EVERY = float(os.environ.get("FAULT_EVERY", "6"))
ATTACK_EVERY = float(os.environ.get("ATTACK_EVERY", "10"))
CHECK_EVERY = float(os.environ.get("CHECK_EVERY", "180"))
rng.seed(SEED)
ROOT.mkdir(parents=True)
open_ops_log(ROOT)
say(f"seed {SEED} minutes {MINUTES} root {ROOT} faults every {FAULT_EVERY}s attacks every {ATTACK_EVERY}s")
set_up(ROOT)

try:
    end = time.monotonic() + MINUTES * 60
    next_check = time.monotonic() + CHECK_EVERY
    next_fault = time.monotonic() + 5
    next_attack = time.monotonic() + rng.expovariate(1 / ATTACK_EVERY)
    while time.monotonic() < end:
        tick_faults()
        if time.monotonic() > next_fault:
            fault()
            next_fault = time.monotonic() + rng.expovariate(1 / FAULT_EVERY)
        if time.monotonic() > next_attack:  # rows and posts; membership; reactions, edits
            rng.choices([attack, forge_changes.attack, forge_conversation.attack], [40, 35, 25])[0]()
            next_attack = time.monotonic() + rng.expovariate(1 / ATTACK_EVERY)
        op()
        if time.monotonic() > next_check:
            check(f"mid{counts['checks']}")
            next_check = time.monotonic() + CHECK_EVERY
    check("final")
    for h in hosts:
        err = h.stderr()
        if "Traceback" in err:
            defect(f"relay {h.name} stderr has a traceback: {err[err.find('Traceback') - 200:][:1500]}")
finally:
    for pid in [p for _, p, _ in paused]:
        try:
            os.kill(pid, signal.SIGCONT)
        except OSError:
            pass
    for h in hosts:
        if h.process and h.process.poll() is None:
            h.process.terminate()
            try:
                h.process.wait(15)
            except subprocess.TimeoutExpired:
                h.process.kill()
    (ROOT / "forged.json").write_text(json.dumps(forged, indent=1, default=str))
    say(f"END seed {SEED} counts={dict(counts)} faults={dict(fault_kinds)} defects={len(defects)}")
    say(f"attacks: {dict(attack_kinds)}")
    for e in forged:
        if e.get("genuine"):  # a race's change that took its place: counted as such
            reasons[f"took its place (genuine) {e['how']} {e['kind']}"] += 1
            continue
        if "listed" in e:
            reasons[f"listed {e['how']} {e['kind']}: {re.sub(r'[0-9]+', '#', e['listed'])[:80]}"] += 1
        elif e["hash"] and not (e["how"] == "publish" and e.get("outcome") != "done"):
            reasons[f"NOT listed {e['how']} {e['kind']} on {e['host']}"] += 1
        if e.get("taken out"):
            reasons[f"taken out of the file {e['how']} {e['kind']}"] += 1
        if e.get("elsewhere"):
            reasons[f"kept elsewhere {e['how']} {e['kind']}: {sorted(e['elsewhere'].items())}"] += 1
        if e["how"] == "order":  # a proposal: its answer is all there is
            reasons[f"order {e['kind']}: {re.sub(r'[0-9]+', '#', str(e.get('outcome')))[:80]}"] += 1
        if e["how"] == "publish" and e.get("outcome") != "done":
            reasons[f"publish not done: {e.get('outcome')}"] += 1
    for d in defects:
        say("  " + d[:600])
    about_forgeries = ("listed ", "NOT listed ", "taken out ", "kept elsewhere ", "publish not ",
                       "order ", "took its place ")
    for k, v in sorted(reasons.items(), key=lambda kv: (not kv[0].startswith(about_forgeries), -kv[1])):
        if k.startswith(about_forgeries) or v >= 3:  # every forgery's fate; the common refusals
            say(f"  {v}: {k}")
