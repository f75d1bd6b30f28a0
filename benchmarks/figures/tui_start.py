"""Figures 2 and 3: the real `peers` process in a real terminal (tmux), 120x40.

Each start replaces the pane's process (`respawn-pane`) and is timed from that request until
the group's newest row (its unique marker) is in a `capture-pane` of the pane, polled about
every 4 ms over the control-mode client. The row is the last thing drawn: the screen is laid
out first and the log fills from a thread worker. One unmeasured warm-up start of each kind
comes first (byte-code and page caches), then the kinds alternate, `start_repeats` each; the
figure is the median.

2. `peers open big` against `peers open small` (100 messages): the 1M-message history must
   cost (almost) nothing at start.
3. `peers` (no argument: the last group, the big one) for the user with all the groups, beside
   the same for a user who has only the personal group (one message): the start-up cost of
   200 groups.

Floor of both: a bare Textual app that paints one line (`benchmarks/floor_apps.py paint`),
started the same way in the same pane, alternating with the starts it bounds (so each of
figures 2 and 3 has its own floor samples, taken in the same minutes). Target: <= 1.2x.
"""

from __future__ import annotations

import time

from benchmarks.common import (
    PYTHON, REPO, Figure, Sizes, log, median, peers_command, ratio, unmeasured,
)
from benchmarks.data import World, marker
from benchmarks.tmux import Tmux, TmuxError

OPEN_TARGET_MS = 400.0
OPEN_RATIO = 1.25
COLD_TARGET_MS = 400.0
FLOOR_RATIO = 1.2
FLOOR_LABEL = "bare Textual app painting one line"
FLOOR_TEXT = "bench-floor-painted"
START_TIMEOUT_S = 20.0  # a start that never shows the newest row counts as a failure


def _start_ms(tmux: Tmux, argv: list[str], env: dict[str, str], needle: str,
              failures: list[str]) -> float | None:
    """Milliseconds to the needle on screen; None (and the screen, in `failures`) if never."""
    started = tmux.start(argv, env)
    try:
        return tmux.wait_for_text([needle], started, timeout=START_TIMEOUT_S) * 1000
    except TmuxError as exc:
        failures.append(str(exc))
        return None
    finally:
        tmux.stop()
        time.sleep(0.3)  # let the killed app finish exiting before the next one starts


def _alternate(tmux: Tmux, runs: list[tuple[list[str], dict[str, str], str]],
               repeats: int, failures: list[str]) -> list[list[float]]:
    for argv, env, needle in runs:
        _start_ms(tmux, argv, env, needle, failures)  # warm-up, not counted
    samples: list[list[float]] = [[] for _ in runs]
    for _ in range(repeats):
        for index, (argv, env, needle) in enumerate(runs):
            ms = _start_ms(tmux, argv, env, needle, failures)
            if ms is not None:
                samples[index].append(ms)
    if not all(samples):
        raise RuntimeError("the newest row never showed: " + " | ".join(failures[:2]))
    return samples


def floor_argv() -> list[str]:
    """The bare Textual app that paints FLOOR_TEXT, as a shell would start a script."""
    return [PYTHON, str(REPO / "benchmarks" / "floor_apps.py"), "paint", FLOOR_TEXT]


def _notes(failures: list[str], survivors: int, sizes: Sizes) -> list[str]:
    starts = 3 * (sizes.start_repeats + 1)
    notes = []
    if failures:
        notes.append(f"{len(failures)} of {starts} starts never showed the newest row "
                     f"(within {START_TIMEOUT_S:.0f} s); left out of the median")
    if survivors:
        notes.append(f"{survivors} of {starts} apps kept running after their terminal hung up "
                     "(SIGHUP); the benchmark killed them")
    return notes


def measure(world: World, sizes: Sizes, tmux: Tmux | None) -> list[Figure]:
    open_title = f"peers open a {sizes.big_messages:,}-message group, to newest row on screen"
    cold_title = (f"cold start with {sizes.groups} groups ({world.total_messages:,} messages),"
                  " to first full paint")
    open_target = (f"<= {OPEN_TARGET_MS:.0f} ms and <= {OPEN_RATIO}x baseline; "
                   f"<= {FLOOR_RATIO}x floor")
    cold_target = f"<= {COLD_TARGET_MS:.0f} ms; <= {FLOOR_RATIO}x floor"
    if tmux is None:
        reason = "tmux is not installed"
        return [unmeasured("peers_open", open_title, "ms", "peers open of a 100-message group",
                           open_target, reason),
                unmeasured("cold_start", cold_title, "ms", "same app with no groups",
                           cold_target, reason)]
    from peers_tui.core.account import Account

    main_env = {"PEERS_HOME": str(world.home), "PEERS_HUB": str(world.hub)}
    solo_env = {"PEERS_HOME": str(world.solo_home), "PEERS_HUB": str(world.solo_hub)}
    peers = peers_command()

    survivors = tmux.survived_hangup
    log("figure 2: peers open, big against small group (tmux)")
    open_failures: list[str] = []
    big, small, bare = _alternate(
        tmux, [(peers + ["open", World.BIG], main_env, marker(World.BIG)),
               (peers + ["open", World.SMALL], main_env, marker(World.SMALL)),
               (floor_argv(), {}, FLOOR_TEXT)],
        sizes.start_repeats, open_failures)
    value, baseline, floor = median(big), median(small), median(bare)
    open_fig = Figure(
        "peers_open", open_title, "ms", value, baseline,
        f"peers open of a {sizes.small_messages}-message group", open_target,
        value <= OPEN_TARGET_MS and value <= OPEN_RATIO * baseline
        and value <= FLOOR_RATIO * floor and not open_failures,
        ratio(value, baseline),
        {"big_samples_ms": big, "small_samples_ms": small, "floor_samples_ms": bare,
         "starts_without_newest_row": len(open_failures), "failed_screens": open_failures[:2],
         "apps_alive_after_hangup": tmux.survived_hangup - survivors},
        notes=_notes(open_failures, tmux.survived_hangup - survivors, sizes),
        floor=floor, floor_label=FLOOR_LABEL, floor_ratio=ratio(value, floor))
    survivors = tmux.survived_hangup

    log("figure 3: cold start with all groups against none (tmux)")
    # Earlier figures opened other groups; `peers` with no argument must open the big one.
    Account(world.home, world.hub).set_last_group(world.big_id)
    cold_failures: list[str] = []
    full, solo, bare = _alternate(tmux, [(peers, main_env, marker(World.BIG)),
                                         (peers, solo_env, marker("solo")),
                                         (floor_argv(), {}, FLOOR_TEXT)],
                                  sizes.start_repeats, cold_failures)
    value, baseline, floor = median(full), median(solo), median(bare)
    cold_fig = Figure(
        "cold_start", cold_title, "ms", value, baseline, "same app, no groups (personal only)",
        cold_target, value <= COLD_TARGET_MS and value <= FLOOR_RATIO * floor
        and not cold_failures,
        ratio(value, baseline),
        {"samples_ms": full, "no_groups_samples_ms": solo, "floor_samples_ms": bare,
         "starts_without_newest_row": len(cold_failures), "failed_screens": cold_failures[:2],
         "apps_alive_after_hangup": tmux.survived_hangup - survivors},
        notes=_notes(cold_failures, tmux.survived_hangup - survivors, sizes),
        floor=floor, floor_label=FLOOR_LABEL, floor_ratio=ratio(value, floor))
    return [open_fig, cold_fig]
