"""A private tmux server driven through one control-mode client.

Starting a `tmux capture-pane` process for every poll would cost a fork and exec each time
on a 2-core machine, stealing CPU from the app being timed. A control-mode client (`tmux -C`)
is one long-lived process to which commands are written as lines; each answer comes back
between `%begin` and `%end`. Pane output is switched off for this client (`no-output`), so
only the answers arrive.

A figure that needs two terminals (two users' apps side by side) starts a second `Tmux`, a
server of its own: tmux 3.3a's server crashes (SIGSEGV) when a control client attaches to a
server with `window-size manual` and more than one window or session.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

WIDTH, HEIGHT = 120, 40
TARGET = "bench:0.0"
# Seconds more an app not gone at its hang-up's check may take to end by itself: beyond the
# app's own bound (peers_tui.background: 2 s grace, then at most 15 for a send or an open
# transaction to finish).
LATE_S = 20.0


class TmuxError(RuntimeError):
    pass


class Tmux:
    def __init__(self, workdir: Path, env: dict[str, str], name: str = "tmux") -> None:
        self.socket = str(workdir / f"{name}.sock")
        self.env = env
        self.survived_hangup = 0
        self.ended_late: list[float] = []  # ms from the hang-up, of each app that took > wait
        self._started: set[int] = set()
        base = ["tmux", "-S", self.socket]
        # -f /dev/null: the developer's ~/.tmux.conf must not change sizes, shells or hooks.
        subprocess.run(base + ["-f", "/dev/null", "new-session", "-d", "-s", "bench",
                               "-x", str(WIDTH), "-y", str(HEIGHT), "sleep 1000000"],
                       check=True, env=env)
        for option in (["set", "-g", "window-size", "manual"],
                       ["set", "-g", "remain-on-exit", "on"],
                       ["set", "-g", "default-shell", "/bin/sh"]):
            subprocess.run(base + option, check=True, env=env)
        self.proc = subprocess.Popen(base + ["-C", "attach-session", "-t", "bench"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._in, self._out = self.proc.stdin, self.proc.stdout
        # Commands sent before the attach completes find "no current client": wait for it.
        while True:
            line = self._out.readline()
            if not line:
                raise TmuxError("the tmux control client exited before attaching")
            if line.startswith(b"%session-changed"):
                break
        self.command("refresh-client -f no-output")
        self.command(f"resize-window -t bench -x {WIDTH} -y {HEIGHT}")
        if self.command("display-message -p ready") != ["ready"]:
            raise TmuxError("the tmux control client does not answer as expected")

    # ------------------------------------------------------------------ protocol
    def command(self, line: str) -> list[str]:
        """Send one tmux command; return its output lines (TmuxError on %error)."""
        self._in.write(line.encode() + b"\n")
        self._in.flush()
        return self._read_block()

    def _read_block(self) -> list[str]:
        """The next answer to one of our commands.

        `%begin TIME NUMBER FLAGS` opens a block; FLAGS is 1 for a command this client sent
        and 0 otherwise (the attach itself answers with such a block first), which is skipped.
        """
        lines: list[str] = []
        inside = ours = False
        while True:
            raw = self._out.readline()
            if not raw:
                raise TmuxError("the tmux control client exited")
            text = raw.decode("utf-8", "replace").rstrip("\n")
            if not inside:
                if text.startswith("%begin"):
                    inside, ours, lines = True, text.split()[-1] == "1", []
                continue  # notifications (%session-changed ...) between answers
            if text.startswith(("%end", "%error")):
                inside = False
                if not ours:
                    continue
                if text.startswith("%error"):
                    raise TmuxError("; ".join(lines) or "tmux command failed")
                return lines
            lines.append(text)

    # ------------------------------------------------------------------ panes
    def start(self, argv: list[str], env: dict[str, str]) -> float:
        """Replace whatever runs in the pane by `argv`; return the perf_counter at the request.

        The command goes through `sh -c 'exec env ... argv'`, so the pane's pid is the app's.
        """
        assigns = " ".join(f"{k}={v}" for k, v in env.items())
        shell = f"exec env {assigns} {' '.join(argv)}"
        line = f"respawn-pane -k -t {TARGET} {_tmux_quote(shell)}"
        started = time.perf_counter()
        self.command(line)
        self._started.add(self.pane_pid())
        return started

    def send_keys(self, keys: str, literal: bool = False) -> float:
        """Type into the pane as a user would (tmux writes the keys to the pane's terminal);
        returns the perf_counter just before the request. `keys` is one tmux key name (Enter,
        M-2, BSpace) or, with `literal`, text typed character by character."""
        line = f"send-keys -t {TARGET} {'-l ' if literal else ''}{_tmux_quote(keys)}"
        sent = time.perf_counter()
        self.command(line)
        return sent

    def stop(self, wait: float = 1.0, late: float = LATE_S) -> None:
        """End the pane's process as a closed terminal does (SIGHUP), and make sure it is gone.

        An app not gone within `wait` seconds is given up to `late` more: one that then ends
        by itself was slow (its orderly exit; at load 15-20, one in ~40 took 1.0-1.3 s) and is
        noted in `ended_late`. One still running then (it would go on, unseen, beside every
        later measurement) is counted in `survived_hangup` and terminated by its pid.
        """
        pid = self.pane_pid()
        hung_up = time.monotonic()
        self.command(f"respawn-pane -k -t {TARGET} 'sleep 1000000'")
        if pid in self._started and not _wait_gone(pid, wait):
            if _wait_gone(pid, late):
                self.ended_late.append((time.monotonic() - hung_up) * 1000)
            else:
                self.survived_hangup += 1
                for sig in (signal.SIGTERM, signal.SIGKILL):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, sig)
                    if _wait_gone(pid, 2.0):
                        break
        self._started.discard(pid)

    def capture(self) -> str:
        return "\n".join(self.command(f"capture-pane -p -t {TARGET}"))

    def pane_pid(self) -> int:
        return int(self.command(f"display-message -p -t {TARGET} '#{{pane_pid}}'")[0])

    def pane_dead(self) -> bool:
        return self.command(f"display-message -p -t {TARGET} '#{{pane_dead}}'")[0] == "1"

    def wait_for_text(self, needles: list[str], started: float, timeout: float,
                      interval: float = 0.004, absent: tuple[str, ...] = ()) -> float:
        """Seconds from `started` until every needle is on screen at once and none of
        `absent` is (polling captures)."""
        deadline = started + timeout
        while True:
            screen = self.capture()
            now = time.perf_counter()
            if all(needle in screen for needle in needles) and not any(
                    text in screen for text in absent):
                return now - started
            if now > deadline or self.pane_dead():
                raise TmuxError(f"{needles} not on screen after {now - started:.1f} s; "
                                f"the pane shows:\n{screen}")
            time.sleep(interval)

    def close(self) -> None:
        if self._started:
            with contextlib.suppress(TmuxError, OSError):
                self.stop()
        try:
            subprocess.run(["tmux", "-S", self.socket, "kill-server"], env=self.env,
                           capture_output=True, timeout=10)
        finally:
            self.proc.kill()
            self.proc.wait()
            if os.path.exists(self.socket):
                os.unlink(self.socket)


def late_note(late: list[float], starts: int | None = None) -> str:
    """The apps that ended by themselves after a hang-up, later than the benchmark's check."""
    of = f" of {starts}" if starts is not None else ""
    return (f"{len(late)}{of} apps took more than 1 s to end after their terminal hung up, "
            f"ending by themselves ({', '.join(f'{ms:.0f}' for ms in late)} ms)")


def _wait_gone(pid: int, timeout: float) -> bool:
    """Whether `pid` exits within `timeout` (a zombie counts as gone: it runs nothing)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except OSError:
            return True
        time.sleep(0.02)
    return False


def _tmux_quote(text: str) -> str:
    """Quote for tmux's command parser, which takes single-quoted text literally (our
    commands are paths and plain words: anything needing more is refused, not mangled)."""
    if "'" in text or any(c.isspace() and c != " " for c in text):
        raise TmuxError(f"cannot pass this command to tmux: {text!r}")
    return f"'{text}'"
