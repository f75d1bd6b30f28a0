"""A real terminal for tests: the app run inside a tmux session on a private tmux server."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import REPO, User

needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


class Tmux:
    """One tmux server of our own (`-L`), killed on close; sessions named by the caller."""

    def __init__(self) -> None:
        self.socket = f"peers-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True,
                              capture_output=True, text=True).stdout

    def open(self, name: str, user: User, *argv: str, size: tuple[int, int] = (120, 40)) -> None:
        """Start `peers ARGV` as `user` in a new session `name`."""
        env = {k: v for k, v in user.env().items() if k.startswith("PEERS_")}
        env["PYTHONPATH"] = str(REPO)
        command = " ".join([f"env {shlex.join(f'{k}={v}' for k, v in env.items())}",
                            shlex.quote(sys.executable), "-m", "peers_tui",
                            shlex.join(argv), "; sleep 60"])
        self.run("new-session", "-d", "-s", name, "-x", str(size[0]), "-y", str(size[1]),
                 command)

    def screen(self, name: str) -> str:
        return self.run("capture-pane", "-p", "-t", name)

    def keys(self, name: str, *keys: str) -> None:
        self.run("send-keys", "-t", name, *keys)

    def type(self, name: str, text: str) -> None:
        self.run("send-keys", "-t", name, "-l", text)

    def wait_for(self, name: str, predicate, timeout: float = 30, what: str = "") -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen(name)
            if predicate(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"{what or 'condition'} not reached; screen:\n{text}")
            time.sleep(0.05)

    def pid(self, name: str) -> int:
        """The app's process: the child of the session's shell."""
        shell = self.run("display-message", "-p", "-t", name, "#{pane_pid}").strip()
        children = Path(f"/proc/{shell}/task/{shell}/children").read_text().split()
        return int(children[0]) if children else int(shell)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)
        Path(f"/tmp/tmux-{os.getuid()}/{self.socket}").unlink(missing_ok=True)


@contextmanager
def team_in_tmux(user: User, shows: str) -> Iterator[Tmux]:
    """`peers open team` by `user` in tmux session "a" (100x30), once `shows` is on its screen;
    the tmux server killed after."""
    tmux = Tmux()
    try:
        tmux.open("a", user, "open", "team", size=(100, 30))
        tmux.wait_for("a", lambda s: shows in s, what=f"{shows!r} on the screen")
        yield tmux
    finally:
        tmux.close()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
