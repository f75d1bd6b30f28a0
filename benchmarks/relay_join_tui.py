"""The joining host's TUI while the backfill runs (rows R6a/R6b): keystroke echo in the composer.

Carol's `peers open` runs in a private tmux server on the joining host C, with the group
open, from right after `peers join` returned (the newest screen) while C's relay writes the
older pages into the same file. Letters are typed one at a time into her composer, each
timed from the `send-keys` request until the composer's text with it is on screen (as in
figure 12, benchmarks/figures/keys.py), and tagged with whether the backfill was still
running when it was typed. Baseline: the same keys into the same app once the backfill is
done (nothing else changed: same process, same group, same terminal).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import isolated_env, peers_command
from benchmarks.tmux import Tmux

PREFIX = "QX"  # typed first, untimed: upper case appears nowhere in the group's messages
LETTERS = "abcdefghijklmnopqrstuvwxyz"
TIMEOUT_S = 10.0
POLL_S = 0.001
GAP_S = 0.02
P99_TARGET_MS = 60.0
P50_RATIO = 1.2


class JoiningTui:
    """Carol's app on the joining host, in its own tmux server."""

    def __init__(self, root: Path, env: dict[str, str], group: str, newest: str) -> None:
        self.tmux = Tmux(root, isolated_env(root), name="tmux-join")
        self.typed = ""
        try:
            started = self.tmux.start([*peers_command(), "open", group],
                                      {k: env[k] for k in ("PEERS_HOME", "PEERS_HUB")})
            self.started_s = self.tmux.wait_for_text([newest], started, timeout=60)
            self._key(PREFIX)
        except BaseException:
            self.tmux.close()
            raise

    def _key(self, letter: str) -> float:
        self.typed += letter
        sent = self.tmux.send_keys(letter, literal=True)
        # The composer's whole text: a letter shown alone proves nothing.
        return 1000 * self.tmux.wait_for_text([self.typed], sent, TIMEOUT_S, POLL_S)

    def echo(self, keys: int, until: Callable[[], bool] | None = None) -> list[tuple[float, bool]]:
        """Up to `keys` echoes in ms, each with whether `until` was still false before it was
        typed (the backfill running); stops early once `until` is true."""
        samples: list[tuple[float, bool]] = []
        for i in range(keys):
            running = until is not None and not until()
            if until is not None and not running:
                break
            samples.append((self._key(LETTERS[i % len(LETTERS)]), running))
            if len(self.typed) > 60:  # keep it on one line: clear it (untimed)
                self.clear()
            time.sleep(GAP_S)
        return samples

    def clear(self) -> None:
        for _ in range(len(self.typed)):
            self.tmux.send_keys("BSpace")
        self.tmux.wait_for_text([], time.perf_counter(), TIMEOUT_S, absent=(PREFIX,))
        self.typed = ""
        self._key(PREFIX)

    def close(self) -> None:
        try:
            self.tmux.stop()
        finally:
            self.tmux.close()


def echo_figures(found: dict[str, Any], count: int) -> list[Any]:
    """Rows R6a/R6b from what `relay_join.measure(..., echo_keys=N)` gathered."""
    from benchmarks.common import Figure, percentile, ratio, unmeasured

    title = f"composer echo while a {count:,}-message group backfills"
    during: list[float] = found.get("echo_during_ms", [])
    idle: list[float] = found.get("echo_idle_ms", [])
    label = "the same app, same keys, once the backfill is done"
    if len(during) < 5 or len(idle) < 5:
        reason = (f"only {len(during)} keys typed while the backfill ran (it finished "
                  f"{found.get('all_s', 0):.1f} s after the fetch)")
        return [unmeasured("relay_join_echo_p50", title + ", p50", "ms", label,
                           f"<= {P50_RATIO}x idle", reason),
                unmeasured("relay_join_echo_p99", title + ", p99", "ms", label,
                           f"<= {P99_TARGET_MS:g} ms", reason)]
    p50, p99 = percentile(during, 50), percentile(during, 99)
    idle50, idle99 = percentile(idle, 50), percentile(idle, 99)
    details = {"samples_ms": during, "idle_samples_ms": idle,
               "tui_start_s": found.get("tui_start_s")}
    note = (f"{len(during)} keys while the relay wrote the backfill into the file the app reads, "
            f"{len(idle)} after it; the app started {found.get('tui_start_s', 0):.2f} s "
            "after the join returned")
    return [
        Figure("relay_join_echo_p50", title + ", p50", "ms", p50, idle50, label,
               f"<= {P50_RATIO}x idle", p50 <= P50_RATIO * idle50, ratio(p50, idle50), details,
               notes=[note]),
        Figure("relay_join_echo_p99", title + ", p99", "ms", p99, idle99, label + ", p99",
               f"<= {P99_TARGET_MS:g} ms", p99 <= P99_TARGET_MS, ratio(p99, idle99), details),
    ]
