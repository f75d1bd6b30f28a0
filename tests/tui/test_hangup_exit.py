"""A killed tmux pane ends the app within a second, right after its first frame too.

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


@needs_tmux
def test_a_respawned_pane_ends_the_app_within_a_second(alice: User, bob: User, team: str,
                                                        tmp_path: Path) -> None:
    """The benchmark's own terminal (a control-mode client attached, as figures 2 and 3 run):
    each start is ended by respawning its pane right after the first frame shows."""
    bob.ok("send", "team", "hello from bob")
    tmux = Tmux(tmp_path, isolated_env(tmp_path))
    user = {"PEERS_HOME": str(alice.home), "PEERS_HUB": str(alice.hub)}
    try:
        for _ in range(6):
            started = tmux.start([sys.executable, "-m", "peers_tui", "open", "team"], user)
            tmux.wait_for_text(["hello from bob"], started, timeout=30)
            tmux.stop()  # respawn-pane -k; waits 1 s for the app to be gone, else counts it
        assert tmux.survived_hangup == 0, f"{tmux.survived_hangup} of 6 outlived their terminal"
    finally:
        tmux.close()
