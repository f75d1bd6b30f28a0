"""What a start costs up to its first frame, in a real terminal: CPU, instructions, bytes.

Figures 2 and 3 of the benchmark are wall-clock ratios to a bare Textual app painting one
line; on this 2-core machine shared by other helpers the wall clock moves by 30 % and more,
so a cut of a few percent is judged by what the process does up to its first frame.

    python scripts/first_frame_cost.py peers OUT NEEDLE [peers arguments...]
    python scripts/first_frame_cost.py floor OUT NEEDLE

runs `peers` (as `python -m peers_tui` does) or `benchmarks/floor_apps.py paint NEEDLE` with
Textual's `LinuxDriver.write` wrapped: at the first write that holds NEEDLE (the newest
row's text; the floor's line) it writes to OUT one line, `cpu user sys faults bytes writes
modules time` (process CPU in ms, of it user and system in clock ticks, minor page faults,
bytes and writes to the terminal so far, modules imported, `time.time()` then), then the sorted module names, and ends the process there (`os._exit`). Run it in a tmux pane (120x40), under
`valgrind --tool=callgrind` for the instruction count ("Collected" in its log), e.g.:

    tmux -L me new-session -d -x 120 -y 40 "env -u PYTHONDONTWRITEBYTECODE \\
        PYTHONPYCACHEPREFIX=/tmp/pyc-me PYTHONPATH=$TREE PEERS_HOME=$HOME_COPY/alice \\
        PEERS_HUB=$HOME_COPY/hub valgrind --tool=callgrind --log-file=out.log \\
        python scripts/first_frame_cost.py peers out.txt NEEDLE open team"

Three things make the counts repeat to ~0.1 % (h-fig2, docs/performance.md):
- The cyclic garbage collector is paused before anything is imported, as `peers_tui.launch`
  does (with it running through Textual's import the count was ~34 M higher and moved).
- Each start is given a fresh copy of a home warmed by one normal start of the same tree
  (kept signatures, style rules, look-alike keys): a start ended at its first frame writes
  none of them, and whatever the last start wrote changes the next one's work.
- The tree is not moved: the kept look-alike keys are stamped with the path of
  `peers_tui/core/names.py`, so a copy of the tree elsewhere misses them all and loads the
  confusables data (~30 M more) until its own normal start has kept them.
"""

from __future__ import annotations

import gc
import os
import sys
import time


def main() -> None:
    kind, out, needle = sys.argv[1:4]
    if kind == "peers":
        gc.disable()  # as peers_tui.launch does, before Textual is imported
    from textual.drivers import linux_driver

    write = linux_driver.LinuxDriver.write
    written = [0, 0]

    def recording(self: linux_driver.LinuxDriver, data: str) -> None:
        write(self, data)
        written[0] += len(data)
        written[1] += 1
        if needle in data:
            now, cpu, times = time.time(), time.process_time(), os.times()
            with open("/proc/self/stat", encoding="ascii") as stat:
                faults = stat.read().rpartition(")")[2].split()[7]  # minflt
            with open(out, "w", encoding="utf-8") as file:
                file.write(f"{cpu * 1000:.1f} {times.user * 1000:.0f} {times.system * 1000:.0f} "
                           f"{faults} {written[0]} {written[1]} {len(sys.modules)} "
                           f"{now:.4f}\n")
                file.write("\n".join(sorted(sys.modules)) + "\n")
            os._exit(0)

    linux_driver.LinuxDriver.write = recording  # type: ignore[method-assign]
    import runpy

    if kind == "peers":
        sys.argv = ["peers", *sys.argv[4:]]
        runpy.run_module("peers_tui", run_name="__main__", alter_sys=True)
    else:
        here = os.path.dirname(os.path.abspath(__file__))
        sys.argv = ["floor_apps.py", "paint", needle]
        runpy.run_path(os.path.join(here, "..", "benchmarks", "floor_apps.py"),
                       run_name="__main__")


if __name__ == "__main__":
    main()
