"""A one-line progress bar for long CLI commands, on stderr and only when stderr is a terminal.

No Textual here (the CLI must start fast): a carriage return redraws the line with the count,
the rate and the time left, at most a few times a second so drawing costs nothing measurable.
Piped or redirected, nothing is written at all, so scripts see exactly what they saw before.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

from peers_tui.core.text import inert

REDRAW_EVERY_S = 0.25
LABEL_CHARS = 24
SIZE_FALLBACK = 80


class ProgressBar:
    """Draws `label [#####.....] done/total  rate/s  ETA` in place; `close()` wipes it."""

    def __init__(self, stream: TextIO, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self.label = ""
        self.started = 0.0
        self.drawn_at: float | None = None
        self.shown = False

    @classmethod
    def for_stderr(cls) -> ProgressBar | None:
        """A bar on stderr when it is a terminal; None when piped or redirected."""
        stream = sys.stderr
        try:
            return cls(stream) if stream is not None and stream.isatty() else None
        except (AttributeError, ValueError, OSError):
            return None

    def start(self, label: str) -> None:
        """Begin a new task (the label is untrusted text, e.g. a group's name)."""
        self.label = inert(label, allow_newlines=False)
        self.started = self.clock()
        self.drawn_at = None

    def update(self, done: int, total: int) -> None:
        now = self.clock()
        if self.drawn_at is not None and now - self.drawn_at < REDRAW_EVERY_S and done < total:
            return
        self.drawn_at = now
        self._write("\r" + self.line(done, total, now - self.started) + "\x1b[K")
        self.shown = True

    def close(self) -> None:
        """Erase the bar, so what the command prints next starts on a clean line."""
        if self.shown:
            self._write("\r\x1b[K")
            self.shown = False

    def line(self, done: int, total: int, elapsed: float) -> str:
        width = self._columns()
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (total - done) / rate if rate > 0 else None
        label = self.label
        if len(label) > LABEL_CHARS:
            label = label[:LABEL_CHARS - 1] + "…"
        # Fixed widths, so the bar does not jump as the numbers grow.
        count = f"{done:,}".rjust(len(f"{total:,}"))
        tail = (f" {count}/{total:,}  {f'{rate:,.0f}':>7}/s  "
                f"ETA {_duration(left) if left is not None else '?':>7}")
        room = width - len(label) - len(tail) - 4  # "  [" and "]"
        if room < 5:
            return f"{label}{tail}"[:max(width - 1, 1)]
        filled = room * done // total if total else room
        return f"{label}  [{'#' * filled}{'.' * (room - filled)}]{tail}"

    def _columns(self) -> int:
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, ValueError, OSError):
            return SIZE_FALLBACK
        # The last column is left free: writing there makes some terminals wrap the line.
        return columns - 1 if columns > 20 else SIZE_FALLBACK

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass  # a closed terminal must not stop the work the bar reports on


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}:{seconds:02d}"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}"
