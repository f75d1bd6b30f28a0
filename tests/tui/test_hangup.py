"""A terminal hanging up ends the app at once: the draft kept, the terminal not taken again.

The app runs in a real pseudo-terminal of its own (pty.fork: it is the session leader, as in a
tmux pane or an SSH session), so the signals and the writes are the ones a user's terminal sees.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import threading
import time
from collections.abc import Iterator

import pytest

from peers_tui.core.account import Account
from peers_tui.core.link_state import LinkState, write_link_state
from tests.conftest import User
from tests.system_helpers import write_lock_held
from tests.tui.test_hangup_exit import WRAPPER as LONG_GRACE

ALT_SCREEN = b"\x1b[?1049h"  # what Textual writes when it enters application mode
LEAVE_ALT_SCREEN = b"\x1b[?1049l"  # ... and when it leaves it (Ctrl+Z, exit)


class Terminal:
    """`peers open GROUP` in a 100x30 pseudo-terminal; everything it writes is kept."""

    def __init__(self, user: User, group: str, controlling: bool = True,
                 long_grace: bool = False) -> None:
        argv = [sys.executable, "-m", "peers_tui", "open", group]
        if long_grace:  # a stalled exit is not ended by the hang-up's grace timer (2 s)
            argv[1:3] = ["-c", LONG_GRACE]
        if controlling:
            pid, fd = pty.fork()
            if pid == 0:  # the child: the pty's slave is its controlling terminal
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
                os.execve(sys.executable, argv, user.env())
        else:  # the pty's slave as its standard files only: a hang-up sends it no signal
            fd, slave = os.openpty()
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
            pid = os.fork()
            if pid == 0:
                os.setsid()  # a session of its own, without a controlling terminal
                for number in (0, 1, 2):
                    os.dup2(slave, number)
                os.execve(sys.executable, argv, user.env())
            os.close(slave)
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

    def wait_for(self, text: bytes, timeout: float = 30, since: int = 0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output[since:]:
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

    def stopped_within(self, timeout: float) -> bool:
        """Whether the app stopped (SIGSTOP, as Textual's SIGTSTP handler does)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG | os.WUNTRACED)
            if pid and os.WIFSTOPPED(status):
                return True
            self.read(0.02)
        return False

    def hang_up(self) -> None:
        """Close our side of the pty: the kernel hangs the app's terminal up (SIGHUP and SIGCONT
        to the app, the session leader; its writes fail with EIO from then on)."""
        os.close(self.fd)
        self.fd = os.open(os.devnull, os.O_RDONLY)  # closed again by close()

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
    terminal.hang_up()
    # ~0.2 s (Textual's exit); the stall this guards against lasted the 2 s grace timer.
    assert terminal.exited_within(1.5), "the app outlived its terminal"
    assert Account(alice.home, alice.hub).draft(team) == "unsent words"


def typed(terminal: Terminal, text: bytes) -> int:
    """Type `text` into the composer, once the app shows it; what was written so far."""
    terminal.wait_for(b"Message team")
    os.write(terminal.fd, text)
    terminal.wait_for(text)
    time.sleep(0.3)
    return len(terminal.output)


def test_a_sigcont_handled_before_the_hang_up_takes_nothing_back(alice: User, team,
                                                                  terminal: Terminal):
    """The order the first fix relied on (SIGHUP's handler before SIGCONT's) does not hold
    under load: each signal is taken by whichever thread the kernel picks, and SIGCONT's can be
    handled first. Here it is, for certain: SIGCONT, and SIGHUP half a second later. Textual
    entered application mode again on that SIGCONT (no Ctrl+Z before it), and the exit wrote
    the sequences that leave it, to a terminal that had hung up."""
    before = typed(terminal, b"unsent words")
    os.kill(terminal.pid, signal.SIGCONT)
    terminal.read(0.5)
    os.kill(terminal.pid, signal.SIGHUP)
    assert terminal.exited_within(20), "the app did not exit on SIGHUP"
    assert terminal.status == 0
    after = terminal.output[before:]
    assert ALT_SCREEN not in after, "application mode entered again"
    assert LEAVE_ALT_SCREEN not in after, "the exit wrote to the terminal after its hang-up"
    assert Account(alice.home, alice.hub).draft(team) == "unsent words"


def test_a_sigcont_alone_changes_nothing(alice: User, team, terminal: Terminal):
    """`kill -CONT` without a stop before it: nothing to resume, and the app goes on."""
    before = typed(terminal, b"still")
    for _ in range(3):
        os.kill(terminal.pid, signal.SIGCONT)
        terminal.read(0.2)
    os.write(terminal.fd, b" here")
    terminal.wait_for(b"here")
    assert ALT_SCREEN not in terminal.output[before:], "application mode entered again"
    assert not terminal.exited_within(0.3)


def test_a_suspended_app_still_comes_back(alice: User, team, terminal: Terminal):
    """SIGTSTP (Ctrl+Z with TEXTUAL_ALLOW_SIGNALS, or `kill -TSTP`) and then SIGCONT (`fg`):
    application mode left and entered again, the app answers keys as before."""
    before = typed(terminal, b"before")
    os.kill(terminal.pid, signal.SIGTSTP)
    assert terminal.stopped_within(20), "SIGTSTP did not stop the app"
    assert LEAVE_ALT_SCREEN in terminal.output[before:]
    resumed = len(terminal.output)
    os.kill(terminal.pid, signal.SIGCONT)
    terminal.wait_for(ALT_SCREEN, since=resumed)
    os.write(terminal.fd, b" after")
    terminal.wait_for(b"after", since=resumed)


def test_a_hang_up_while_suspended_ends_the_app(alice: User, team, terminal: Terminal):
    """Stopped by SIGTSTP, then the terminal closes (SSH drops while the app is in the
    background): the SIGCONT that comes with SIGHUP finds a terminal that is gone."""
    typed(terminal, b"kept while away")
    os.kill(terminal.pid, signal.SIGTSTP)
    assert terminal.stopped_within(20), "SIGTSTP did not stop the app"
    terminal.hang_up()
    assert terminal.exited_within(20), "the app outlived its terminal"
    assert terminal.status == 0
    assert Account(alice.home, alice.hub).draft(team) == "kept while away"


def signals_of_a_hang_up(terminal: Terminal) -> int:
    """SIGHUP and SIGCONT as the kernel sends them, the terminal left open to show what the
    app writes after; what was written before."""
    before = len(terminal.output)
    os.kill(terminal.pid, signal.SIGHUP)
    os.kill(terminal.pid, signal.SIGCONT)
    return before


def assert_left_quietly(terminal: Terminal, before: int) -> None:
    assert terminal.exited_within(20), "the app did not exit on SIGHUP"
    assert terminal.status == 0
    after = terminal.output[before:]
    assert ALT_SCREEN not in after, "application mode entered again"
    assert LEAVE_ALT_SCREEN not in after, "the exit wrote to the terminal after its hang-up"


def test_a_hang_up_with_a_dialog_open(alice: User, team, terminal: Terminal):
    """The group switcher open over the chat: the chat's draft is kept, nothing is written."""
    shown = typed(terminal, b"under the dialog")
    os.write(terminal.fd, b"\x0b")  # Ctrl+K
    terminal.wait_for(b"Go to group", since=shown)
    time.sleep(0.3)
    assert_left_quietly(terminal, signals_of_a_hang_up(terminal))
    assert Account(alice.home, alice.hub).draft(team) == "under the dialog"


# It waits (the lock held 3.5 s) more than it computes: on the waiting worker (tests/scheduling).
@pytest.mark.slow
def test_a_hang_up_while_a_send_waits_for_the_file_keeps_the_message(
        alice: User, bob: User, team, terminal: Terminal):
    """Enter pressed while another process holds the group file's write lock (a relay
    applying a batch): the outbox thread waits for it (busy timeout 5 s) when the terminal
    hangs up. The exit waits for that send; the hang-up's grace timer (2 s) ended the process
    in the middle of it, and the message the user had sent was never stored."""
    typed(terminal, b"sent as the line dropped")
    with write_lock_held(alice.hub / f"{team}.db"):
        entered = len(terminal.output)
        os.write(terminal.fd, b"\r")
        terminal.wait_for(b"Message team", since=entered)  # the composer emptied: it is sent
        terminal.read(0.3)
        before = signals_of_a_hang_up(terminal)
        terminal.read(3.0)  # longer than the grace timer
    assert_left_quietly(terminal, before)
    bodies = [m["body"] for m in bob.ok("log", "team", "--json").json()]
    assert "sent as the line dropped" in bodies, Account(alice.home, alice.hub).draft(team)


# It waits (the lock held 3.5 s) more than it computes: on the waiting worker (tests/scheduling).
@pytest.mark.slow
def test_a_hang_up_while_a_command_waits_for_the_file_does_the_command(
        alice: User, bob: User, team, terminal: Terminal):
    """/topic entered while another process holds the group file's write lock: the command's
    worker thread waits for it (busy timeout 5 s) when the terminal hangs up. The exit waits
    for the worker's thread; the hang-up's grace timer (2 s) ended the process in the middle
    of its transaction, which rolled back: the topic the user set was never set. The timer
    now waits for every open transaction (core.database.write_gate)."""
    typed(terminal, b"/topic set as the line dropped")
    with write_lock_held(alice.hub / f"{team}.db"):
        entered = len(terminal.output)
        os.write(terminal.fd, b"\r")
        terminal.wait_for(b"Message team", since=entered)  # the composer emptied: it runs
        terminal.read(0.3)
        before = signals_of_a_hang_up(terminal)
        terminal.read(3.0)  # longer than the grace timer
    assert_left_quietly(terminal, before)
    assert bob.ok("topic", "team").out.strip() == "set as the line dropped"


def link_state(rtt: float) -> LinkState:
    return LinkState(host="A", role="leaf", pid=os.getpid(), running=True, updated=time.time(),
                     up=True, since=time.time() - 5, rtt_ms=rtt, to="H")


@contextlib.contextmanager
def relay_writing(hub) -> Iterator[None]:
    """A new link file renamed into the hub every 20 ms (as a relay writes it; each one a
    repaint of the indicator) while the block runs."""
    done = threading.Event()

    def relay() -> None:
        rtt = 2.0
        while not done.wait(0.02):
            rtt = 3.0 if rtt == 2.0 else 2.0
            write_link_state(hub, link_state(rtt))

    writer = threading.Thread(target=relay)
    writer.start()
    try:
        yield
    finally:
        done.set()
        writer.join()


def test_a_hang_up_with_the_link_indicator_ticking(alice: User, team):
    """A hub with a relay: the link indicator's timer ticks and a new link file is renamed in
    every 20 ms while the terminal hangs up."""
    (alice.hub / ".relay").mkdir(mode=0o700)
    write_link_state(alice.hub, link_state(2.0))
    terminal = Terminal(alice, "team")
    try:
        typed(terminal, b"words")
        terminal.wait_for("hub ✓".encode())
        with relay_writing(alice.hub):
            terminal.read(0.5)
            assert_left_quietly(terminal, signals_of_a_hang_up(terminal))
    finally:
        terminal.close()
    assert Account(alice.home, alice.hub).draft(team) == "words"


def test_writes_failing_before_the_sighup_never_stall_the_exit(alice: User, team):
    """The terminal gone before SIGHUP is handled (it reaches a shell first, which passes it
    on): every write fails (EIO). Textual's output thread died at the first, and the exit
    then blocked writing into its full queue (30 places): only the grace timer ended it (2.07 s
    after SIGHUP here on main; 0.20 s now). Here the terminal is not the app's controlling one,
    so its hang-up sends the app nothing; the link indicator repaints every 20 ms; the SIGHUP
    comes a second later; the grace timer is made 120 s, so a stall is told from a slow exit."""
    (alice.hub / ".relay").mkdir(mode=0o700)
    write_link_state(alice.hub, link_state(2.0))
    terminal = Terminal(alice, "team", controlling=False, long_grace=True)
    try:
        with relay_writing(alice.hub):
            typed(terminal, b"words")
            terminal.wait_for("hub ✓".encode())
            terminal.hang_up()
            time.sleep(1.0)
            os.kill(terminal.pid, signal.SIGHUP)
            assert terminal.exited_within(20), "the exit blocked in a write to a gone terminal"
    finally:
        terminal.close()
    assert terminal.status == 0
    assert Account(alice.home, alice.hub).draft(team) == "words"
