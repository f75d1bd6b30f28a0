"""SIGCONT resumes the app only after a suspend of its own.

Textual's Linux driver restarts application mode on every SIGCONT. A terminal that goes away
(a tmux pane killed or respawned, an SSH connection dropped) sends SIGHUP and SIGCONT
together, and the SIGCONT, handled first, starts a second output thread whose writes to the
gone terminal fail; the exit that the hang-up asks for then waits on that thread's full queue
until the hang-up's grace timer ends the process (2 s instead of well under one). A SIGCONT
that follows the driver's own suspend (SIGTSTP) still resumes it as before.
"""

from __future__ import annotations

import signal
from types import FrameType
from typing import Any


def resume_only_after_own_suspend(driver: Any) -> None:
    """Wrap the driver's SIGCONT handler, if it installed one (a terminal driver)."""
    handler = signal.getsignal(signal.SIGCONT)
    if not callable(handler) or getattr(handler, "__self__", None) is not driver:
        return  # headless, another platform's driver, or already wrapped

    def on_sigcont(signum: int, frame: FrameType | None) -> None:
        # Set by the driver's SIGTSTP handler when it suspends application mode itself.
        if getattr(driver, "_must_signal_resume", False):
            handler(signum, frame)

    signal.signal(signal.SIGCONT, on_sigcont)
