"""Ending the app when its terminal hangs up (SSH dropped, tmux pane killed, window closed),
and never writing to that terminal again, whatever order the signals are handled in.

A terminal that hangs up sends its session SIGHUP and then SIGCONT (the kernel does both at
once). Textual's Linux driver answers every SIGCONT by entering application mode again, as it
comes back from Ctrl+Z (even without a Ctrl+Z before it): on a terminal that is gone, that
starts a second output thread, which dies at its first write (EIO), and a second input thread.
The exit that follows writes the sequences that restore the terminal into the dead thread's
queue; once its 30 places are full, the event loop blocks in the next write for good, and only
the hang-up's grace timer (2 s) ends the process.

Python runs the handlers of signals pending together in the order of their numbers, SIGHUP (1)
before SIGCONT (18), and the first fix relied on that. It does not hold under load: each signal
is taken by whichever thread of the process the kernel picks, and a thread that took SIGHUP
can be preempted before its C handler marks it, while the main thread takes SIGCONT, marks it
and runs its Python handler first (test_hangup.py failed so, one run in ~20 at load 8). So
nothing depends on the order any more (`HangUpDriver`, the app's driver on Linux):

- a SIGCONT resumes application mode only if the driver suspended it (SIGTSTP: Ctrl+Z or `kill
  -TSTP`), never after a hang-up, and not on a terminal that is gone (its attributes unreadable);
  a SIGCONT on its own, first or alone, changes nothing;
- the hang-up is recorded by the SIGHUP handler before it does anything else, and from then on
  nothing reaches the terminal: the driver's writes are dropped, and so is what its output
  thread still had queued (the thread's file is `_Output`, which drops once hung up); the
  output descriptor itself is pointed at /dev/null (stderr's buffer, flushed as Python exits);
- the output thread no longer dies at EIO (the terminal went away before SIGHUP was handled):
  it drops what follows, so its queue never fills and no write of the event loop blocks;
- on the way out, the driver does not wait for its output thread once hung up.

SIGHUP reaches only the session leader of the terminal's session and (as it exits, or from a
shell that passes it on) the terminal's foreground group. An app that is neither, such as the
child of a wrapper started in a session of its own, learns nothing when its terminal goes,
and Textual's input thread then reads end-of-file from it in a loop that never ends (~28 % of
a core, for hours: h-orphan). So the app also watches the terminal (`HangUp.watch`, after the
first frame): a daemon thread blocks in poll() on its descriptor with no events asked and no
timeout, which returns only on POLLHUP (the pty's master closed) or POLLERR, and the hang-up
then takes the same way as SIGHUP, once, whichever comes first.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import select
import signal
import stat
import termios
import threading
from collections.abc import Callable
from types import FrameType
from typing import IO, Any

from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver


class _Output:
    """The file the driver's output thread writes to (the terminal, stderr), until it hangs
    up: from then on everything is dropped, also what was queued before."""

    def __init__(self, file: IO[str]) -> None:
        self.file = file
        try:
            self.fd = file.fileno()
        except (OSError, ValueError):  # not a real file: nothing to point elsewhere
            self.fd = -1
        self.gone = False  # set by the SIGHUP handler, or at the first EIO
        self.writes = 0  # what the output thread was given, and of it what it flushed
        self.flushed_writes = 0
        self.flushing = threading.Condition()

    def cut(self) -> None:
        """Nothing more reaches the terminal: dropped here, and the descriptor pointed at
        /dev/null (what stderr's buffer still holds would be flushed as Python exits). Only
        stores and system calls: safe in a signal handler."""
        self.gone = True
        if self.fd < 0:
            return
        with contextlib.suppress(OSError):
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self.fd)
            os.close(null)

    def write(self, text: str) -> None:
        self.writes += 1
        if not self.gone:
            try:
                self.file.write(text)
            except OSError:  # EIO: the terminal went away (its SIGHUP is on its way)
                self.gone = True

    def flush(self) -> None:
        if not self.gone:
            try:
                self.file.flush()
            except OSError:
                self.gone = True
        with self.flushing:
            self.flushed_writes = self.writes
            self.flushing.notify_all()

    def fileno(self) -> int:
        return self.file.fileno()


class HangUpDriver(LinuxDriver):
    """Textual's Linux driver with a hang-up that no signal order can undo (see above)."""

    def __init__(self, app: Any, **options: Any) -> None:
        super().__init__(app, **options)
        assert self._file is not None  # sys.__stderr__, as Textual took it
        self._output = _Output(self._file)
        self._queued = 0  # writes handed to the output thread
        # What start_application_mode gives its output thread: a file as far as it can tell.
        self._file = self._output  # type: ignore[assignment]

    def hang_up(self) -> None:
        """The terminal is gone: nothing more is written to it. Safe in a signal handler."""
        self._output.cut()

    def write(self, data: str) -> None:
        if not self._output.gone:
            self._queued += 1
            super().write(data)

    def wait_written(self, timeout: float) -> bool:
        """Wait (at most `timeout` seconds) until what was written so far has reached the
        terminal: the output thread flushes when its queue is empty."""
        output, queued = self._output, self._queued
        with output.flushing:
            return output.flushing.wait_for(
                lambda: output.gone or output.flushed_writes >= queued, timeout)

    def _sigcont_application(self, *_: object) -> None:
        # `_must_signal_resume`: set by Textual's SIGTSTP handler when it left application
        # mode, cleared once application mode is back. Without it there is nothing to resume.
        if self._output.gone or not self._must_signal_resume:
            return
        if self.input_tty and not _terminal_here(self.fileno):
            self.hang_up()  # its SIGHUP follows; the resume would write to nothing
            return
        super()._sigcont_application()

    def close(self) -> None:
        writer = self._writer_thread
        if writer is None or not self._output.gone:
            super().close()
            return
        # Hung up: what is still queued is dropped, and the thread told to end without waiting
        # for it (a write it is in may wait on a terminal nobody reads).
        with contextlib.suppress(queue.Empty):
            while True:
                writer._queue.get_nowait()
        with contextlib.suppress(queue.Full):
            writer._queue.put_nowait(None)


def _terminal_here(fd: int) -> bool:
    """Whether the terminal is still there: a hung-up one answers every request with EIO."""
    try:
        termios.tcgetattr(fd)
    except termios.error:
        return False
    return True


def driver_class(textual_choice: type[Driver]) -> type[Driver]:
    """The driver the app runs with: ours where Textual would take its Linux driver."""
    return HangUpDriver if textual_choice is LinuxDriver else textual_choice


def _no_resume(signum: int, frame: FrameType | None) -> None:
    """SIGCONT after a hang-up: there is no terminal to come back to."""


class HangUp:
    """What the app does when its terminal goes, whichever way it learns of it first: SIGHUP
    (the app leads its session, or its group is the terminal's foreground one), or the
    terminal's own hang-up seen on its descriptor (`watch`: an app the signal never reaches).
    Either way `driver` (a HangUpDriver) writes nothing and resumes nothing from that moment,
    and `callback` runs once on the event loop."""

    def __init__(self, driver: Driver | None, callback: Callable[[], None]) -> None:
        self.driver, self.callback = driver, callback
        self.loop = asyncio.get_running_loop()
        self.called = False  # on the event loop only
        self.watcher: threading.Thread | None = None

    def _cut(self) -> None:
        if isinstance(self.driver, HangUpDriver):
            self.driver.hang_up()

    def _once(self) -> None:
        if not self.called:
            self.called = True
            self.callback()

    def signalled(self, signum: int, frame: FrameType | None) -> None:
        """SIGHUP. Runs between two bytecodes of the main thread, wherever it was (perhaps
        inside the driver's own resume): only what cannot wait, and nothing that takes a lock
        the interrupted code could hold. The hang-up recorded first, before anything else."""
        self._cut()
        signal.signal(signal.SIGCONT, _no_resume)
        signal.signal(signal.SIGHUP, _no_resume)  # once: a second hang-up changes nothing
        try:
            self.loop.call_soon_threadsafe(self._once)
        except RuntimeError:  # the loop has ended: the app is on its way out already
            signal.signal(signal.SIGHUP, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGHUP)  # end as a process without a handler does

    def watch(self) -> None:
        """Watch the terminal the driver reads (when it reads one) from a daemon thread: its
        hang-up takes the same way as SIGHUP. Call it once, from the main thread."""
        driver = self.driver
        if self.watcher is not None or not isinstance(driver, HangUpDriver):
            return
        # Not `driver.input_tty` (isatty): a terminal that hung up before the driver was made
        # answers isatty() with False. Still a character device; a pipe or a file is not.
        try:
            if not stat.S_ISCHR(os.fstat(driver.fileno).st_mode):
                return
        except OSError:  # closed: nothing to watch
            return
        self.watcher = threading.Thread(target=self._watch, args=(driver.fileno,),
                                        name="peers-terminal-watch", daemon=True)
        self.watcher.start()

    def _watch(self, fd: int) -> None:
        if not wait_hang_up(fd):
            return
        self._cut()
        with contextlib.suppress(RuntimeError):  # the loop has ended: the app is leaving
            self.loop.call_soon_threadsafe(self._once)


def wait_hang_up(fd: int) -> bool:
    """Block until the terminal on `fd` hangs up (True), or `fd` is closed (False).

    poll() asked for no event reports only POLLHUP, POLLERR and POLLNVAL, and waits without a
    timeout: nothing runs until the terminal goes (no idle CPU). A pty's slave reports POLLHUP
    once its master is closed (the tmux pane killed, the window closed, sshd gone), whether
    or not any SIGHUP was sent; Textual's input thread meanwhile reads end-of-file from it
    in a loop that never ends by itself."""
    poller = select.poll()
    poller.register(fd, 0)
    while True:
        try:
            events = poller.poll()
        except InterruptedError:  # pragma: no cover - retried by Python itself (PEP 475)
            continue
        for _, mask in events:
            if mask & select.POLLNVAL:
                return False
            if mask & (select.POLLHUP | select.POLLERR):
                return True


def on_hang_up(driver: Driver | None, callback: Callable[[], None]) -> HangUp:
    """Call `callback` on the running event loop when the terminal hangs up (once); from the
    moment the signal is handled, `driver` (a HangUpDriver) writes nothing and resumes nothing.
    Call it from the main thread; `watch()` the result to notice a hang-up without SIGHUP."""
    hang_up = HangUp(driver, callback)
    signal.signal(signal.SIGHUP, hang_up.signalled)
    return hang_up
