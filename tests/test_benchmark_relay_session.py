"""The join benchmark (rows R5 and R6) runs each host's relay in a session of its own, as a
systemd unit or `tmux new-window 'peers relay'` does. Under autogroup the kernel shares the CPU
between sessions first: a relay started in the benchmark's own session shared one slice with
the tmux client and loop that time R6's keys, and the echo measured their wait for a core
(docs/performance.md, "The joining host's echo, third look")."""

from __future__ import annotations

import os

from benchmarks.relay_join import peers, start
from peers_tui.testing.ports import leased_port


def test_the_join_benchmark_runs_each_relay_in_a_session_of_its_own(tmp_path):
    (tmp_path / "hub").mkdir()
    peers(tmp_path, "relay", "init", "--hub", "--name", "A", "--listen", f"127.0.0.1:{leased_port()}")
    process = start(tmp_path)
    try:
        assert os.getsid(process.pid) == process.pid
        assert os.getsid(process.pid) != os.getsid(0)
    finally:
        process.terminate()
        process.wait(timeout=15)
