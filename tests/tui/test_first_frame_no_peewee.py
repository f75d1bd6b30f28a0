"""The first frame of `peers open GROUP` and of `peers` (the group opened last) is drawn without
Peewee (issue 16).

Start-up is measured against a bare Textual app that paints one line; Peewee, the models and
the core built on them cost ~30 ms of CPU of a start. The first frame is read on plain
sqlite3 and judged by the same rules (core.lean_window, core.window_reads); the models load
after it. Checked as a user starts the app, in a terminal: the process records what it has
imported at the terminal write that first holds the newest message.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from benchmarks.common import isolated_env
from benchmarks.tmux import Tmux
from peers_tui.core.account import Account
from tests.conftest import User
from tests.tmux_helpers import needs_tmux

HEAVY = ("peewee", "playhouse", "peers_tui.core.models", "peers_tui.core.group_store",
         "peers_tui.core.personal_store")
NEWEST = "hello-from-bob"  # one word: the command line is a shell's

WRAPPER = """
import os, sys
from textual.drivers import linux_driver

out, needle, heavy = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
write = linux_driver.LinuxDriver.write

def recording(self, data):
    write(self, data)
    if needle in data and not os.path.exists(out):  # the first such write only; the app
        # runs on (ending it here raced the test's look at the pane: a dead pane shows nothing)
        with open(out, "w") as f:
            f.write(repr(sorted(m for m in sys.modules if m in heavy or m.split(".")[0] in heavy)))

linux_driver.LinuxDriver.write = recording
sys.argv = ["peers", *sys.argv[4:]]
import runpy
runpy.run_module("peers_tui", run_name="__main__", alter_sys=True)
"""


def written(out: Path, timeout: float = 30.0) -> str:
    """What the wrapper wrote at the first frame with the newest message. It writes just after
    the terminal write: under load the app may wait its turn for the CPU between the two (100
    quick looks at the pane ran out, here and in the sibling tests)."""
    deadline = time.monotonic() + timeout
    while not (out.exists() and out.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return out.read_text() if out.exists() else "no frame with the newest message"


def _loaded_at_first_frame(user: User, args: list[str], tmp_path: Path) -> str:
    wrapper, out = tmp_path / "first_frame.py", tmp_path / f"loaded-{len(args)}.txt"
    wrapper.write_text(WRAPPER)
    tmux = Tmux(tmp_path, isolated_env(tmp_path))
    env = {"PEERS_HOME": str(user.home), "PEERS_HUB": str(user.hub)}
    try:
        started = tmux.start([sys.executable, str(wrapper), str(out), NEWEST, ",".join(HEAVY),
                              *args], env)
        tmux.wait_for_text([NEWEST], started, timeout=60)
        return written(out)
    finally:
        tmux.close()


@needs_tmux
def test_peers_open_draws_its_first_frame_without_peewee(alice: User, bob: User, team: str,
                                                         tmp_path: Path) -> None:
    bob.ok("send", "team", NEWEST)
    assert _loaded_at_first_frame(alice, ["open", "team"], tmp_path) == "[]"


@needs_tmux
def test_a_cold_start_draws_its_first_frame_without_peewee(alice: User, bob: User, team: str,
                                                           tmp_path: Path) -> None:
    bob.ok("send", "team", NEWEST)
    account = Account(alice.home, alice.hub)
    account.set_last_group(team)
    account.close()
    assert _loaded_at_first_frame(alice, [], tmp_path) == "[]"
