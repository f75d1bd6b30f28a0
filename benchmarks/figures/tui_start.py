"""Figures 2 and 3: the real `peers` process in a real terminal (tmux), 120x40.

Each start replaces the pane's process (`respawn-pane`) and is timed from that request until
the group's newest row (its unique marker) is in a `capture-pane` of the pane, polled about
every 4 ms over the control-mode client, and then until the full screen is there too (the
group list, the roster's heading, the footer's keys: FULL_SCREEN). Before h-outside16 and
h-fullpaint the newest row was NOT the last thing drawn: the first frame held the log and the
composer, and the group list, the roster and the footer's keys came after it; since then all
are in the first frame (the roster where the first read verified it: see docs/performance.md).
One unmeasured warm-up start of each kind comes first (byte-code and page caches), then the
kinds alternate, `start_repeats` each; the figure is the median.

2. `peers open big` against `peers open small` (100 messages), to the newest row: the
   1M-message history must cost (almost) nothing at start. The full screen's samples are in
   its details and notes.
3. `peers` (no argument: the last group, the big one) for the user with all the groups, beside
   the same for a user who has only the personal group (one message), to the full screen:
   the start-up cost of 200 groups, as the user sees them listed. (Before h-outside16 it was
   timed to the newest row alone, which is drawn before the 200 groups are listed.)

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
from benchmarks.tmux import Tmux, TmuxError, late_note

OPEN_TARGET_MS = 400.0
OPEN_RATIO = 1.25
COLD_TARGET_MS = 400.0
FLOOR_RATIO = 1.2
FLOOR_LABEL = "bare Textual app painting one line"
FLOOR_TEXT = "bench-floor-painted"
START_TIMEOUT_S = 20.0  # a start that never shows the newest row counts as a failure


# What a full screen of peers shows beside the newest row, each once painted after the first
# frame (the outside check of h-outside16; in it since h-outside16 and h-fullpaint): the group
# list's first row, the roster's heading, the footer's keys. A floor app shows its one line.
FULL_SCREEN = (" 1 personal", "Members (", "^p palette")


def _start_ms(tmux: Tmux, argv: list[str], env: dict[str, str], needle: str,
              failures: list[str], full: tuple[str, ...] = (),
              unfilled: list[str] | None = None) -> tuple[float, float | None] | None:
    """Milliseconds to the needle on screen, and to the needle with every text of `full`
    (the whole screen); None (and the screen, in `failures`) if the needle never showed; the
    whole screen None (and the screen, in `unfilled`) if only it never came. Seen once at
    load 23: an app that drew itself at 80x24 in the 120x40 pane (`stty size` in the pane
    said 40 120 at 30 starts of 30), where the group list and the roster are hidden."""
    started = tmux.start(argv, env)
    try:
        newest = tmux.wait_for_text([needle], started, timeout=START_TIMEOUT_S) * 1000
        try:
            whole = (tmux.wait_for_text([needle, *full], started, timeout=START_TIMEOUT_S)
                     * 1000 if full else newest)
        except TmuxError as exc:
            if unfilled is not None:
                unfilled.append(str(exc))
            return newest, None
        return newest, whole
    except TmuxError as exc:
        failures.append(str(exc))
        return None
    finally:
        tmux.stop()
        time.sleep(0.3)  # let the killed app finish exiting before the next one starts


Run = tuple[list[str], dict[str, str], str, tuple[str, ...]]


def _alternate(tmux: Tmux, runs: list[Run], repeats: int, failures: list[str],
               unfilled: list[str]) -> tuple[list[list[float]], list[list[float]]]:
    """Per run: the samples to its newest row, and to its full screen (the newest row's
    where no start reached it: said in `unfilled`)."""
    for argv, env, needle, full in runs:
        _start_ms(tmux, argv, env, needle, failures, full)  # warm-up, not counted
    samples: list[list[float]] = [[] for _ in runs]
    whole: list[list[float]] = [[] for _ in runs]
    for _ in range(repeats):
        for index, (argv, env, needle, full) in enumerate(runs):
            ms = _start_ms(tmux, argv, env, needle, failures, full, unfilled)
            if ms is not None:
                samples[index].append(ms[0])
                if ms[1] is not None:
                    whole[index].append(ms[1])
    if not all(samples):
        raise RuntimeError("the newest row never showed: " + " | ".join(failures[:2]))
    return samples, [w or s for w, s in zip(whole, samples)]


def floor_argv() -> list[str]:
    """The bare Textual app that paints FLOOR_TEXT, as a shell would start a script."""
    return [PYTHON, str(REPO / "benchmarks" / "floor_apps.py"), "paint", FLOOR_TEXT]


def _notes(failures: list[str], survivors: int, sizes: Sizes,
           late: list[float] | None = None) -> list[str]:
    starts = 3 * (sizes.start_repeats + 1)
    notes = []
    if failures:
        notes.append(f"{len(failures)} of {starts} starts never showed the newest row "
                     f"(within {START_TIMEOUT_S:.0f} s); left out of the median")
    if late:
        notes.append(late_note(late, starts))
    if survivors:
        notes.append(f"{survivors} of {starts} apps kept running after their terminal hung up "
                     "(SIGHUP); the benchmark killed them")
    return notes


def _unfilled_note(unfilled: list[str]) -> str:
    return (f"{len(unfilled)} starts showed the newest row but never the full screen (within "
            f"{START_TIMEOUT_S:.0f} s): left out of the full screen's median (a run where none "
            "did takes the newest row's)")


def _full_note(samples: list[float], floor: float, unfilled: list[str]) -> str:
    note = (f"to the full screen (group list, roster, footer keys): {median(samples):.0f} ms, "
            f"{median(samples) / floor:.2f}x floor")
    return note + ("; " + _unfilled_note(unfilled) if unfilled else "")


def measure(world: World, sizes: Sizes, tmux: Tmux | None) -> list[Figure]:
    open_title = f"peers open a {sizes.big_messages:,}-message group, to newest row on screen"
    cold_title = (f"cold start with {sizes.groups} groups ({world.total_messages:,} messages),"
                  " to the full screen")
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

    survivors, late = tmux.survived_hangup, len(tmux.ended_late)
    log("figure 2: peers open, big against small group (tmux)")
    open_failures: list[str] = []
    open_unfilled: list[str] = []
    (big, small, bare), (big_full, small_full, _) = _alternate(
        tmux, [(peers + ["open", World.BIG], main_env, marker(World.BIG), FULL_SCREEN),
               (peers + ["open", World.SMALL], main_env, marker(World.SMALL), FULL_SCREEN),
               (floor_argv(), {}, FLOOR_TEXT, ())],
        sizes.start_repeats, open_failures, open_unfilled)
    value, baseline, floor = median(big), median(small), median(bare)
    open_fig = Figure(
        "peers_open", open_title, "ms", value, baseline,
        f"peers open of a {sizes.small_messages}-message group", open_target,
        value <= OPEN_TARGET_MS and value <= OPEN_RATIO * baseline
        and value <= FLOOR_RATIO * floor and not open_failures,
        ratio(value, baseline),
        {"big_samples_ms": big, "small_samples_ms": small, "floor_samples_ms": bare,
         "big_full_screen_samples_ms": big_full, "small_full_screen_samples_ms": small_full,
         "starts_without_full_screen": len(open_unfilled), "unfilled_screens": open_unfilled[:2],
         "starts_without_newest_row": len(open_failures), "failed_screens": open_failures[:2],
         "apps_alive_after_hangup": tmux.survived_hangup - survivors,
         "apps_ended_late_ms": tmux.ended_late[late:]},
        notes=_notes(open_failures, tmux.survived_hangup - survivors, sizes,
                     tmux.ended_late[late:])
        + [_full_note(big_full, floor, open_unfilled)],
        floor=floor, floor_label=FLOOR_LABEL, floor_ratio=ratio(value, floor))
    survivors, late = tmux.survived_hangup, len(tmux.ended_late)

    log("figure 3: cold start with all groups against none (tmux)")
    # Earlier figures opened other groups; `peers` with no argument must open the big one.
    Account(world.home, world.hub).set_last_group(world.big_id)
    cold_failures: list[str] = []
    cold_unfilled: list[str] = []
    # The figure is the full screen (the group list of all 200 groups, the roster, the
    # footer's keys), not the newest row alone: the first frame holds the log and the
    # composer, and the group list came ~1 s of CPU later (the outside check, h-outside16).
    (newest, solo_newest, bare), (full, solo, _) = _alternate(
        tmux, [(peers, main_env, marker(World.BIG), FULL_SCREEN),
               (peers, solo_env, marker("solo"), FULL_SCREEN),
               (floor_argv(), {}, FLOOR_TEXT, ())],
        sizes.start_repeats, cold_failures, cold_unfilled)
    value, baseline, floor = median(full), median(solo), median(bare)
    cold_fig = Figure(
        "cold_start", cold_title, "ms", value, baseline, "same app, no groups (personal only)",
        cold_target, value <= COLD_TARGET_MS and value <= FLOOR_RATIO * floor
        and not cold_failures,
        ratio(value, baseline),
        {"samples_ms": full, "no_groups_samples_ms": solo, "floor_samples_ms": bare,
         "newest_row_samples_ms": newest, "no_groups_newest_row_samples_ms": solo_newest,
         "newest_row_median_ms": median(newest),
         "starts_without_full_screen": len(cold_unfilled), "unfilled_screens": cold_unfilled[:2],
         "starts_without_newest_row": len(cold_failures), "failed_screens": cold_failures[:2],
         "apps_alive_after_hangup": tmux.survived_hangup - survivors,
         "apps_ended_late_ms": tmux.ended_late[late:]},
        notes=_notes(cold_failures, tmux.survived_hangup - survivors, sizes,
                     tmux.ended_late[late:])
        + [f"the newest row alone (the figure before h-outside16): {median(newest):.0f} ms, "
           f"{median(newest) / floor:.2f}x floor"]
        + ([_unfilled_note(cold_unfilled)] if cold_unfilled else []),
        floor=floor, floor_label=FLOOR_LABEL, floor_ratio=ratio(value, floor))
    return [open_fig, cold_fig]
