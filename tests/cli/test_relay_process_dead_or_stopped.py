"""A relay whose process cannot answer though its pid still answers `kill(pid, 0)`: killed
with SIGKILL and not yet reaped by its parent (a zombie), or stopped with SIGSTOP. The 27th
acceptance pass saw `peers relay status` say "relay running, link to hub A: up" with exit 0
for the zombie (1.5 s there; as long as the parent does not wait), and, for SIGSTOP, the sync
column and the TUI's `⇅ hub ✓` for 20 s (the link file's age bound) while `peers relay status`
called it silent after 5 s and the messages written meanwhile waited unsent
(core/process_state.py). Real relays and nats-servers on loopback."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from peers_tui.core.link_state import read_link_state
from tests.cli.test_link_state import groups_json
from tests.relay_helpers import (
    bodies, federation, paused_between_writes, stop_all, team_joined_on_two_hosts, wait_for,
)

pytestmark = pytest.mark.slow


def state_letter(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]


def test_a_killed_relay_its_parent_has_not_reaped_is_not_running(tmp_path):
    hub, leaf = hosts = federation(tmp_path)
    try:
        _, bob = team_joined_on_two_hosts(hub, leaf)
        wait_for(lambda: groups_json(bob)["team"].get("sync") == "✓", what="the column ✓ on B")
        process = leaf.process
        assert process is not None
        process.send_signal(signal.SIGKILL)
        # Not waited for: this test is its parent, as a supervisor busy elsewhere would be.
        wait_for(lambda: state_letter(process.pid) == "Z", what="the relay a zombie")
        # Its other threads may still be exiting (the run lock held a moment longer: "silent",
        # exit 4); then, the zombie still there, nothing of it runs.
        status = wait_for(lambda: (found := leaf.peers().run("relay", "status")).code != 4
                          and found, timeout=5, what="the relay's threads gone")
        assert state_letter(process.pid) == "Z"
        assert status.code == 3, (status.code, status.out, status.err)
        assert "relay not running on this host B" in status.err, status.err
        assert "Traceback" not in status.err
        state = read_link_state(leaf.hub)
        assert state is not None and not state.alive()
        assert groups_json(bob)["team"]["sync"].startswith("relay not running"), groups_json(bob)
    finally:
        if leaf.process is not None:
            leaf.process.wait(timeout=15)
        stop_all(hosts)


def test_a_stopped_relay_is_said_stopped_within_a_heartbeat_and_back_after_sigcont(tmp_path):
    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, bob = team_joined_on_two_hosts(hub, leaf)
        wait_for(lambda: groups_json(bob)["team"].get("sync") == "✓", what="the column ✓ on B")
        process = leaf.process
        assert process is not None
        # between writes of B's file, which bob's send writes (inside one, it waited on the lock)
        paused_between_writes(leaf, groups_json(bob)["team"]["id"])
        stopped = time.monotonic()
        try:
            wait_for(lambda: state_letter(process.pid) == "T", what="the relay stopped")
            bob.ok("send", "team", "written while B's relay sleeps")
            # Said within a heartbeat of the link file (5 s) and as `relay status` says it
            # (5 s), not after the file's age bound (20 s).
            sync = wait_for(lambda: (found := groups_json(bob)["team"]["sync"]).startswith(
                "relay silent for") and found, timeout=30, what="the column on the stop")
            assert time.monotonic() - stopped < 12, time.monotonic() - stopped
            assert sync.endswith(", 1 unsent"), sync
            state = read_link_state(leaf.hub)
            assert state is not None and not state.answers() and state.alive()
            status = wait_for(lambda: (found := leaf.peers().run("relay", "status")).code == 4
                              and found, timeout=10, what="relay status on the stop")
            assert f"runs (pid {process.pid})" in status.err, status.err
            assert f"it is stopped (SIGSTOP; 'kill -CONT {process.pid}' resumes it)" in status.err
        finally:
            process.send_signal(signal.SIGCONT)
        wait_for(lambda: "written while B's relay sleeps" in bodies(alice), what="the message on A")
        wait_for(lambda: groups_json(bob)["team"].get("sync") == "✓", what="the column ✓ again")
        assert leaf.peers().run("relay", "status").code == 0
    finally:
        stop_all(hosts)
