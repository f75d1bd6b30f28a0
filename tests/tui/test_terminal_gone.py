"""An app whose terminal goes without a hang-up signal reaching it ends all the same (h-orphan).

Four `peers` TUIs started by a helper's profiling wrapper ran on for three hours after their
tmux pane was gone, each at ~28 % of a core: the wrapper was started in a session of its own
(a harness's `start_new_session`, so that it could be killed as a group), so the pane's
terminal was not the app's controlling terminal. When the pane went, the kernel sent SIGHUP to
the pane's session only; the app neither led its session nor was in the terminal's foreground
group, so nothing told it, and Textual's input thread read end-of-file from the gone terminal
in a loop that never ends. The app now also watches its terminal's descriptor for the hang-up
itself (peers_tui.hangup.HangUp.watch) and takes the SIGHUP path: the draft kept, open
transactions finished, the process ended.
"""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from peers_tui.core.account import Account
from tests.conftest import User
from tests.system_helpers import write_lock_held
from tests.tui.test_hangup import Terminal, typed

# A profiling wrapper as the one that left them: it starts the app as its child (the app does
# not lead its session) and waits for it. Started by the test in a session of its own (as the
# harness started it), with the pty's slave as its standard files: not its controlling terminal.
WRAPPER = """
import subprocess, sys
app = subprocess.Popen(sys.argv[2:])
with open(sys.argv[1], "w") as handle:
    handle.write(str(app.pid))
app.wait()
"""


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie or a reaped process does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of `pid` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ended_within(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


class Wrapped(Terminal):
    """`peers open GROUP` under WRAPPER in a 100x30 pseudo-terminal (Terminal's reading and
    waiting); `app` is the app's own pid, `pid` the wrapper's."""

    def __init__(self, user: User, group: str, tmp_path: Path) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        pid_file = tmp_path / "app.pid"
        self.wrapper = subprocess.Popen(
            [sys.executable, "-c", WRAPPER, str(pid_file), sys.executable, "-m", "peers_tui",
             "open", group],
            stdin=slave, stdout=slave, stderr=slave, env=user.env(), start_new_session=True)
        os.close(slave)
        self.pid, self.fd, self.output, self.status = self.wrapper.pid, master, b"", None
        deadline = time.monotonic() + 30
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline, "the wrapper never started the app"
            time.sleep(0.02)
        self.app = int(pid_file.read_text())

    def close(self) -> None:
        for pid in (self.app, self.wrapper.pid):
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        self.wrapper.wait()
        os.close(self.fd)


def test_an_app_its_hang_up_never_reaches_ends_with_its_terminal(alice: User, team,
                                                                  tmp_path: Path):
    """The wrapper's case: the app is its wrapper's child in the wrapper's own session (not
    the terminal's), the wrapper dies (the app's parent is then init), the terminal goes. No
    signal reaches the app. On main it ran on, reading end-of-file at a large part of a core
    (0.2-0.3 CPU seconds a second here); it now ends in well under a second."""
    terminal = Wrapped(alice, "team", tmp_path)
    try:
        assert os.getsid(terminal.app) != terminal.app  # it does not lead its session
        typed(terminal, b"unsent words")
        os.kill(terminal.wrapper.pid, signal.SIGKILL)  # the wrapper dies first
        terminal.wrapper.wait()
        terminal.hang_up()  # the pane goes
        cpu_before = _cpu_seconds(terminal.app)
        ended = _ended_within(terminal.app, 10)
        spun = 0.0 if ended else _cpu_seconds(terminal.app) - cpu_before
        assert ended, f"the app outlived its terminal, using {spun:.1f} CPU s in 10 s"
    finally:
        terminal.close()
    assert Account(alice.home, alice.hub).draft(team) == "unsent words"


def test_a_terminal_gone_without_sighup_ends_the_app(alice: User, team):
    """The app in a session of its own without a controlling terminal (the pty's slave only as
    its standard files): the terminal's hang-up sends it nothing. It ends as on SIGHUP, with
    status 0 and its draft kept."""
    terminal = Terminal(alice, "team", controlling=False)
    try:
        typed(terminal, b"kept words")
        terminal.hang_up()
        assert terminal.exited_within(10), "the app outlived its terminal"
        assert terminal.status == 0
    finally:
        terminal.close()
    assert Account(alice.home, alice.hub).draft(team) == "kept words"


def test_an_app_whose_terminal_stays_keeps_running(alice: User, team):
    """The watch sees only a hang-up: an idle app on a terminal that is still there goes on,
    and spends (almost) no CPU while it waits (the watch is a poll without a timeout)."""
    terminal = Terminal(alice, "team", controlling=False)
    try:
        typed(terminal, b"still here")
        time.sleep(1.0)  # the work after the first frame settles
        cpu_before = _cpu_seconds(terminal.pid)
        terminal.read(2.0)
        idle = _cpu_seconds(terminal.pid) - cpu_before
        assert not terminal.exited_within(0.1)
        os.write(terminal.fd, b" and more")
        terminal.wait_for(b"and more")
        assert idle < 0.3, f"{idle:.2f} CPU s in 2 s idle"
    finally:
        terminal.close()


def test_a_terminal_gone_during_start_up_without_sighup_ends_the_app(alice: User, team,
                                                                      tmp_path: Path):
    """The terminal goes while the app is still starting (before its first frame, during its
    wait for that frame's write, right after it) and no signal comes: the app paints into
    nothing and ends. The watch starts after the first frame (it must not cost that frame) and
    sees the hang-up that came before it at once."""
    for number, delay in enumerate((0.0, 0.1, 0.2, 0.3, 0.5)):
        place = tmp_path / str(number)
        place.mkdir()
        terminal = Wrapped(alice, "team", place)
        try:
            terminal.read(delay)
            terminal.hang_up()
            assert _ended_within(terminal.app, 20), f"hung up {delay} s after its start"
        finally:
            terminal.close()


# It waits (the lock held 3.5 s) more than it computes: on the waiting worker (tests/scheduling).
@pytest.mark.slow
def test_a_terminal_gone_without_sighup_while_a_send_waits_keeps_the_message(
        alice: User, bob: User, team):
    """The same grace as a hang-up: Enter pressed while another process holds the group
    file's write lock, then the terminal goes and no signal comes. The app waits for the send
    (the outbox's busy timeout, 5 s) before it ends: the message is stored."""
    terminal = Terminal(alice, "team", controlling=False)
    try:
        typed(terminal, b"sent as the pane went")
        with write_lock_held(alice.hub / f"{team}.db"):
            entered = len(terminal.output)
            os.write(terminal.fd, b"\r")
            terminal.wait_for(b"Message team", since=entered)  # the composer emptied: sent
            terminal.read(0.3)
            terminal.hang_up()
            time.sleep(3.0)  # longer than the grace timer
        assert terminal.exited_within(20), "the app outlived its terminal"
        assert terminal.status == 0
    finally:
        terminal.close()
    bodies = [m["body"] for m in bob.ok("log", "team", "--json").json()]
    assert "sent as the pane went" in bodies
