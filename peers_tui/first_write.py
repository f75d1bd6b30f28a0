"""The first frame's way to the terminal: written as soon as it is made (issue 16, figures 2
and 3, a start measured against a bare Textual app painting one line; h-fig2).

Textual hands each write to its output thread, which needs the interpreter lock to put it
on the terminal. Right after the first frame the event loop runs the work that waits for
it (the footer, the bars and overlays mounted, the remembered group written, the threads
started), holding the lock; Python makes it give the lock up to a waiting thread only after
its switch interval, 5 ms, and the output thread waits that long again for each of its
writes. So the frame reached the terminal later than it was made: from the write to the
terminal, 16-74 ms for `peers open` at load ~14 where the bare app (nothing to do after its
frame) took 1-24 (docs/performance.md, h-fig2). The app runs with a short switch interval
from its mount until its first frame is out, and the event loop, once it has handed that
frame to the output thread (`PeersApp._display`), waits until the thread has flushed it (at
most FIRST_WRITE_WAIT, the lock and the core given up meanwhile): the work after the frame
(the tasks waiting for it came first before) starts a few milliseconds later, while the
user sees nothing of it yet.
"""

from __future__ import annotations

import sys

from textual.app import App
from textual.driver import Driver

from peers_tui.hangup import HangUpDriver

FIRST_FRAME_SWITCH = 0.0005  # seconds: the output thread takes the lock within this
FIRST_WRITE_WAIT = 0.05  # seconds the event loop waits at most for the frame to be written


class FirstWrite:
    """Writes hastened from `hasten()` until `written()` sees the first frame out."""

    def __init__(self) -> None:
        self.interval: float | None = None  # the interval to go back to, while hastened

    def hasten(self) -> None:
        if self.interval is None:
            self.interval = sys.getswitchinterval()
            sys.setswitchinterval(min(self.interval, FIRST_FRAME_SWITCH))

    def displayed(self, app: App[None], screen: object, renderable: object) -> None:
        """After each frame the app writes: the first of `app.chat`'s is the first frame."""
        if (self.interval is not None and renderable is not None
                and screen is getattr(app, "chat", None)):
            self.written(app._driver)

    def written(self, driver: Driver | None) -> None:
        """The first frame is queued: wait until it has reached the terminal (not where the
        driver writes no terminal: headless, tests), then the interval it was."""
        if isinstance(driver, HangUpDriver):
            driver.wait_written(FIRST_WRITE_WAIT)
        self.restore()

    def restore(self) -> None:
        interval, self.interval = self.interval, None
        if interval is not None:
            sys.setswitchinterval(interval)
