"""The first frame's way to the terminal: written as soon as it is made (issue 16, figures 2
and 3, a start measured against a bare Textual app painting one line; h-fig2).

Textual hands each write to its output thread, which needs the interpreter lock to put it
on the terminal. Right after the first frame the event loop runs the work that waits for
it (the footer, the bars and overlays mounted, the remembered group written, the threads
started), holding the lock; Python makes it give the lock up to a waiting thread only after
its switch interval, 5 ms, and the output thread waits that long again for each of its
writes. So the frame reached the terminal later than it was made: from the write to the
terminal, 16-74 ms for `peers open` at load ~14 where the bare app (nothing to do after its
frame) took 8-30 (docs/performance.md, h-fig2). The app runs with a short switch interval
from its mount until its first frame has reached the terminal (the output thread's flush
after it), then with the interval it had.
"""

from __future__ import annotations

import sys

from textual.driver import Driver

from peers_tui.hangup import HangUpDriver

FIRST_FRAME_SWITCH = 0.0005  # seconds: the output thread takes the lock within this


class FirstWrite:
    """Writes hastened from `hasten()` until `written()` sees the first frame out."""

    def __init__(self) -> None:
        self.interval: float | None = None  # the interval to go back to, while hastened

    def hasten(self) -> None:
        if self.interval is None:
            self.interval = sys.getswitchinterval()
            sys.setswitchinterval(min(self.interval, FIRST_FRAME_SWITCH))

    def written(self, driver: Driver | None) -> None:
        """The first frame is queued: back to the interval once it reaches the terminal (at
        once where the driver writes no terminal: headless, tests)."""
        if isinstance(driver, HangUpDriver):
            driver.after_written(self.restore)
        else:
            self.restore()

    def restore(self) -> None:
        interval, self.interval = self.interval, None
        if interval is not None:
            sys.setswitchinterval(interval)
