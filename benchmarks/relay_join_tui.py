"""The joining host's TUI while the backfill runs (rows R6a/R6b/R6c): keystroke echo in the composer.

Carol's `peers open` runs in a private tmux server on the joining host C, with the group
open, from right after `peers join` returned (the newest screen) while C's relay writes the
older pages into the same file. Beside it, in a tmux server of its own on the same host, the
bare Textual echo app of figure 12 (`benchmarks/floor_apps.py echo`: one focused text area
configured as the composer is). Letters are typed one at a time, alternately into carol's
composer and into the bare app (which of the two goes first alternates too, as in figure 12,
benchmarks/figures/keys.py), each timed from the `send-keys` request until the composer's
text with it is on screen, and each pair tagged with whether the backfill was still running
when it was typed.

- R6a/R6b: carol's echo during the backfill against the same app's echo once the backfill is
  done (nothing else changed: same process, same group, same terminal, same alternation).
- R6c: carol's echo during the backfill against the bare app's echo during the same backfill
  (issue 16's rule: a target is a ratio to a floor measured in the same run, under the same
  load). What the backfill costs any Textual app on this machine is in the floor; what is
  above it is peers'.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import PYTHON, REPO, isolated_env, peers_command
from benchmarks.tmux import Tmux

PREFIX = "QX"  # typed first, untimed: upper case appears nowhere in the group's messages
LETTERS = "abcdefghijklmnopqrstuvwxyz"
TIMEOUT_S = 10.0
POLL_S = 0.001
GAP_S = 0.02
P99_TARGET_MS = 60.0
P50_RATIO = 1.2
FLOOR_READY = "bench-floor-echo"  # what floor_apps.py's echo app shows once it is up
FLOOR_LABEL = "bare Textual TextArea echoing a key during the same backfill"


class _Pane:
    """One terminal typed into, and the text its composer (or text area) holds."""

    def __init__(self, tmux: Tmux) -> None:
        self.tmux = tmux
        self.typed = ""

    def key(self, letter: str) -> float:
        self.typed += letter
        sent = self.tmux.send_keys(letter, literal=True)
        # The composer's whole text: a letter shown alone proves nothing.
        return 1000 * self.tmux.wait_for_text([self.typed], sent, TIMEOUT_S, POLL_S)

    def clear(self) -> None:
        """Empty it (untimed) and type the prefix again."""
        for _ in range(len(self.typed)):
            self.tmux.send_keys("BSpace")
        self.tmux.wait_for_text([], time.perf_counter(), TIMEOUT_S, absent=(PREFIX,))
        self.typed = ""
        self.key(PREFIX)


class JoiningTui:
    """Carol's app on the joining host, in its own tmux server; the bare echo app in another."""

    def __init__(self, root: Path, env: dict[str, str], group: str, newest: str) -> None:
        self.tmux = Tmux(root, isolated_env(root), name="tmux-join")
        self.floor_tmux: Tmux | None = None
        try:
            started = self.tmux.start([*peers_command(), "open", group],
                                      {k: env[k] for k in ("PEERS_HOME", "PEERS_HUB")})
            self.started_s = self.tmux.wait_for_text([newest], started, timeout=60)
            self.app = _Pane(self.tmux)
            self.app.key(PREFIX)
            # After carol's app is up, so that R6's start time is hers alone.
            self.floor_tmux = Tmux(root, isolated_env(root), name="tmux-join-floor")
            started = self.floor_tmux.start(
                [PYTHON, str(REPO / "benchmarks" / "floor_apps.py"), "echo"], {})
            self.floor_started_s = self.floor_tmux.wait_for_text([FLOOR_READY], started,
                                                                 timeout=60)
            self.floor = _Pane(self.floor_tmux)
            self.floor.key(PREFIX)
        except BaseException:
            self.close()
            raise

    def echo(self, keys: int, until: Callable[[], bool] | None = None
             ) -> list[tuple[float, float, bool]]:
        """Up to `keys` pairs (carol's echo, the bare app's echo) in ms, typed alternately,
        each with whether `until` was still false before the pair was typed (the backfill
        running); stops early once `until` is true."""
        samples: list[tuple[float, float, bool]] = []
        for i in range(keys):
            running = until is not None and not until()
            if until is not None and not running:
                break
            letter = LETTERS[i % len(LETTERS)]
            # Which app gets the key first alternates: neither gains from the other's turn.
            if i % 2:
                floor_ms = self.floor.key(letter)
                app_ms = self.app.key(letter)
            else:
                app_ms = self.app.key(letter)
                floor_ms = self.floor.key(letter)
            samples.append((app_ms, floor_ms, running))
            if len(self.app.typed) > 60:  # keep it on one line: clear both (untimed)
                self.app.clear()
                self.floor.clear()
            time.sleep(GAP_S)
        return samples

    def close(self) -> None:
        """Hang up both apps (Tmux.close hangs up a started pane first) and end both servers."""
        try:
            self.tmux.close()
        finally:
            if self.floor_tmux is not None:
                self.floor_tmux.close()


def echo_figures(found: dict[str, Any], count: int) -> list[Any]:
    """Rows R6a/R6b/R6c from what `relay_join.measure(..., echo_keys=N)` gathered."""
    from benchmarks.common import Figure, percentile, ratio, unmeasured

    title = f"composer echo while a {count:,}-message group backfills"
    floor_title = (f"composer echo during the {count:,}-message backfill against a bare "
                   "Textual echo during it, p50")
    during: list[float] = found.get("echo_during_ms", [])
    idle: list[float] = found.get("echo_idle_ms", [])
    floor_during: list[float] = found.get("echo_floor_during_ms", [])
    floor_idle: list[float] = found.get("echo_floor_idle_ms", [])
    label = "the same app, same keys, once the backfill is done"
    samples = {"samples_ms": during, "idle_samples_ms": idle,
               "floor_samples_ms": floor_during, "floor_idle_samples_ms": floor_idle}
    if len(during) < 5 or len(idle) < 5:
        reason = (f"only {len(during)} keys typed while the backfill ran (it finished "
                  f"{found.get('all_s', 0):.1f} s after the fetch)")
        figures = [unmeasured("relay_join_echo_p50", title + ", p50", "ms", label,
                              f"<= {P50_RATIO}x idle", reason),
                   unmeasured("relay_join_echo_p99", title + ", p99", "ms", label,
                              f"<= {P99_TARGET_MS:g} ms", reason),
                   unmeasured("relay_join_echo_floor_p50", floor_title, "ms", FLOOR_LABEL,
                              f"<= {P50_RATIO}x floor", reason)]
        for figure in figures:  # what was typed all the same (the keys after the backfill)
            figure.details = dict(samples)
        return figures
    p50, p99 = percentile(during, 50), percentile(during, 99)
    idle50, idle99 = percentile(idle, 50), percentile(idle, 99)
    floor50, floor_idle50 = percentile(floor_during, 50), percentile(floor_idle, 50)
    details = {**samples, "tui_start_s": found.get("tui_start_s")}
    note = (f"{len(during)} keys while the relay wrote the backfill into the file the app reads, "
            f"{len(idle)} after it, each followed or preceded by one into the bare Textual echo "
            f"app, over {found.get('echo_typing_s', 0):.1f} s of the walk's "
            f"{found.get('all_s', 0):.1f} s; the app started {found.get('tui_start_s', 0):.2f} s "
            "after the join returned")
    floor_note = (f"the bare app's own echo: {floor50:.1f} ms during the backfill, "
                  f"{floor_idle50:.1f} ms after it ({ratio(floor50, floor_idle50) or 0:.2f}x: "
                  "what the backfill costs any Textual app's echo here, R6a's floor)")
    return [
        Figure("relay_join_echo_p50", title + ", p50", "ms", p50, idle50, label,
               f"<= {P50_RATIO}x idle", p50 <= P50_RATIO * idle50, ratio(p50, idle50), details,
               notes=[note]),
        Figure("relay_join_echo_p99", title + ", p99", "ms", p99, idle99, label + ", p99",
               f"<= {P99_TARGET_MS:g} ms", p99 <= P99_TARGET_MS, ratio(p99, idle99), details),
        Figure("relay_join_echo_floor_p50", floor_title, "ms", p50, floor50, FLOOR_LABEL,
               f"<= {P50_RATIO}x floor", p50 <= P50_RATIO * floor50, ratio(p50, floor50),
               details, notes=[floor_note], floor=floor50, floor_label=FLOOR_LABEL,
               floor_ratio=ratio(p50, floor50)),
    ]
