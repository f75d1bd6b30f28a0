"""Ending the app when its terminal hangs up (SSH dropped, tmux pane killed, window closed).

A terminal that hangs up sends its session SIGHUP and then SIGCONT (the kernel does both at
once). Textual's Linux driver answers SIGCONT by entering application mode again, as it comes
back from Ctrl+Z: on a terminal that is gone, that starts a second output thread, which dies at
its first write (EIO), and a second input thread. The exit that follows writes the sequences
that restore the terminal into the dead thread's queue; once its 30 places are full, the event
loop blocks in the next write for good, and only the hang-up's grace timer (2 s) ended the
process: the app outlived its terminal by seconds, now and then.

So SIGHUP gets a handler of Python's own (not the event loop's, which runs only after Python's
handlers for the signals pending with it): Python runs the handlers of pending signals in the
order of their numbers, SIGHUP (1) before SIGCONT (18). It takes SIGCONT away from the driver,
then hands the hang-up to the event loop.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from types import FrameType


def _no_resume(signum: int, frame: FrameType | None) -> None:
    """SIGCONT after a hang-up: there is no terminal to come back to."""


def on_hang_up(callback: Callable[[], None]) -> None:
    """Call `callback` on the running event loop when the terminal hangs up (once), with
    Textual's resume on SIGCONT switched off first. Call it from the main thread."""
    loop = asyncio.get_running_loop()

    def hung_up(signum: int, frame: FrameType | None) -> None:
        # Runs between two bytecodes of the main thread, wherever it was: only what cannot
        # wait, and nothing that takes a lock the interrupted code could hold.
        signal.signal(signal.SIGCONT, _no_resume)
        signal.signal(signal.SIGHUP, _no_resume)  # once: a second hang-up changes nothing
        try:
            loop.call_soon_threadsafe(callback)
        except RuntimeError:  # the loop has ended: the app is on its way out already
            signal.signal(signal.SIGHUP, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGHUP)  # end as a process without a handler does

    signal.signal(signal.SIGHUP, hung_up)
