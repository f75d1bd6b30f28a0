"""A killed tmux pane ends the app (not the hang-up's grace timer), right after its first frame too.

tmux (as a closing terminal does) sends SIGHUP and SIGCONT together. Textual's driver
restarted application mode on the SIGCONT, a second output thread whose writes to the gone
terminal failed, and the exit then waited on it until the hang-up's 2 s grace timer ended
the process. peers_tui/hangup.py takes the SIGCONT away from the driver before it runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks.common import isolated_env
from benchmarks.tmux import Tmux
from tests.conftest import User
from tests.tmux_helpers import needs_tmux


# The app run with a grace timer far longer than the wait: an exit that stalls (what the SIGCONT
# did) is ended only by that timer, so it is told from an orderly exit that is merely slow on
# a loaded machine (1 s was not always enough at load 9 in CI).
WRAPPER = """
import runpy, sys
from peers_tui import background
background.HANGUP_GRACE = 120.0
sys.argv = ["peers", *sys.argv[1:]]
runpy.run_module("peers_tui", run_name="__main__", alter_sys=True)
"""


@needs_tmux
def test_a_respawned_pane_ends_the_app_by_itself(alice: User, bob: User, team: str,
                                                  tmp_path: Path) -> None:
    """The benchmark's own terminal (a control-mode client attached, as figures 2 and 3 run):
    each start is ended by respawning its pane right after the first frame shows."""
    bob.ok("send", "team", "hello from bob")
    wrapper = tmp_path / "long_grace.py"
    wrapper.write_text(WRAPPER)
    tmux = Tmux(tmp_path, isolated_env(tmp_path))
    user = {"PEERS_HOME": str(alice.home), "PEERS_HUB": str(alice.hub)}
    try:
        for _ in range(6):
            started = tmux.start([sys.executable, str(wrapper), "open", "team"], user)
            tmux.wait_for_text(["hello from bob"], started, timeout=30)
            tmux.stop(wait=20, late=0)  # respawn-pane -k; the app gone within 20 s, else counted
        assert tmux.survived_hangup == 0, f"{tmux.survived_hangup} of 6 outlived their terminal"
    finally:
        tmux.close()


@needs_tmux
def test_a_pane_respawned_during_start_up_ends_the_app_by_itself(alice: User, team: str,
                                                                 tmp_path: Path) -> None:
    """The benchmark's way, hung up at moments of start-up (h-orphan): before the SIGHUP
    handler is there (the default action ends the process), while the first frame is made
    or waited for (peers_tui.first_write), just after it. Each ends by itself (the grace timer
    made 120 s), none outlives its pane."""
    import time

    wrapper = tmp_path / "long_grace.py"
    wrapper.write_text(WRAPPER)
    tmux = Tmux(tmp_path, isolated_env(tmp_path))
    user = {"PEERS_HOME": str(alice.home), "PEERS_HUB": str(alice.hub)}
    try:
        for delay in (0.0, 0.1, 0.2, 0.3, 0.45, 0.6):
            tmux.start([sys.executable, str(wrapper), "open", "team"], user)
            time.sleep(delay)
            tmux.stop(wait=20, late=0)
        assert tmux.survived_hangup == 0, f"{tmux.survived_hangup} of 6 outlived their terminal"
    finally:
        tmux.close()


@needs_tmux
def test_an_app_that_does_not_lead_its_session_ends_when_its_terminal_goes(
        alice: User, team: str) -> None:
    """`tmux new 'peers; sleep 60'` (or `cd dir; peers` over ssh): the shell leads the session
    and the app is its child. An app the hang-up does not reach reads end-of-file from its
    gone terminal in Textual's input thread for good, at ~28 % of a core (four apps left by
    a helper's profiling wrappers took a core of this machine for hours): the app in the
    shell's foreground group must end with its terminal too."""
    import os
    import time

    from tests.tmux_helpers import Tmux as SessionTmux

    tmux = SessionTmux()
    try:
        tmux.open("t", alice, "open", "team")
        tmux.wait_for("t", lambda text: "Message team" in text, what="the app")
        pid = tmux.pid("t")
        assert Path(f"/proc/{pid}/cmdline").read_bytes().find(b"peers_tui") >= 0
    finally:
        tmux.close()  # the terminal goes: its shell is sent SIGHUP, the app nothing
    deadline = time.monotonic() + 20
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                break  # ended, not yet reaped
        except OSError:
            break
        time.sleep(0.1)
    alive = Path(f"/proc/{pid}").exists()
    if alive:
        os.kill(pid, 9)
    assert not alive or "Z" in Path(f"/proc/{pid}/stat").read_text(), \
        "the app outlived its terminal"
