"""A terminal hanging up ends the app at once: the draft kept, the terminal not taken again.

The app runs in a real pseudo-terminal of its own (pty.fork: it is the session leader, as in a
tmux pane or an SSH session), so the signals and the writes are the ones a user's terminal sees.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time

import pytest

from peers_tui.core.account import Account
from tests.conftest import User

ALT_SCREEN = b"\x1b[?1049h"  # what Textual writes when it enters application mode


class Terminal:
    """`peers open GROUP` in a 100x30 pseudo-terminal; everything it writes is kept."""

    def __init__(self, user: User, group: str) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: the pty's slave is its controlling terminal
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
            os.execve(sys.executable, [sys.executable, "-m", "peers_tui", "open", group],
                      user.env())
        self.pid, self.fd, self.output = pid, fd, b""
        self.status: int | None = None

    def read(self, timeout: float) -> None:
        """Take what the app wrote within `timeout` (nothing more once it closed the pty)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if not select.select([self.fd], [], [], left)[0]:
                return
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # EIO: the app's side of the pty is closed
                return
            if not chunk:
                return
            self.output += chunk

    def wait_for(self, text: bytes, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            assert time.monotonic() < deadline, f"{text!r} never written"
            self.read(0.1)

    def exited_within(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                return True
            self.read(0.02)  # keep the pty drained: a full one would block the app's writes
        return False

    def close(self) -> None:
        if self.status is None:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


@pytest.fixture
def terminal(alice: User, team):
    opened = Terminal(alice, "team")
    yield opened
    opened.close()


def test_a_hang_up_never_takes_the_terminal_again(alice: User, team, terminal: Terminal):
    """A terminal that hangs up sends SIGHUP and then SIGCONT. Textual's driver answered
    SIGCONT by entering application mode again (as after Ctrl+Z), on a terminal that is gone:
    its new output thread died at the first write and the exit then blocked in a write until
    the 2 s grace timer ended the process (one `peers open` in 18 in the benchmark)."""
    terminal.wait_for(b"Message team")
    os.write(terminal.fd, b"unsent words")
    terminal.wait_for(b"unsent words")
    time.sleep(0.3)
    before = len(terminal.output)
    # As the kernel does it, both at once; the terminal stays open to show what the app does.
    os.kill(terminal.pid, signal.SIGHUP)
    os.kill(terminal.pid, signal.SIGCONT)
    assert terminal.exited_within(20), "the app did not exit on SIGHUP"
    assert terminal.status == 0
    assert ALT_SCREEN not in terminal.output[before:], "application mode entered again"
    assert Account(alice.home, alice.hub).draft(team) == "unsent words"


def test_closing_the_terminal_ends_the_app_at_once(alice: User, team,
                                                           terminal: Terminal):
    """The real thing: the pty's other side closed, as when tmux kills the pane."""
    terminal.wait_for(b"Message team")
    os.write(terminal.fd, b"unsent words")
    terminal.wait_for(b"unsent words")
    time.sleep(0.3)
    os.close(terminal.fd)
    terminal.fd = os.open(os.devnull, os.O_RDONLY)  # closed again by the fixture
    # ~0.2 s (Textual's exit); the stall this guards against lasted the 2 s grace timer.
    assert terminal.exited_within(1.5), "the app outlived its terminal"
    assert Account(alice.home, alice.hub).draft(team) == "unsent words"
