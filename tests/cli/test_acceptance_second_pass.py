"""What the second acceptance pass of issue 15 met at the shell (docs/relay.md, "The second
acceptance pass")."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.relay_helpers import REPO


def peers(cwd, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERS_")}
    return subprocess.run([sys.executable, "-m", "peers_tui", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=60, env={**env, "PYTHONPATH": str(REPO)})


def test_groups_made_with_relative_dirs_are_found_from_anywhere(tmp_path):
    """`--home` and `--hub` relative to the working directory (as hosts side by side are typed:
    `peers --home A/alice --hub A/hub ...`): the group paths stored in personal.db were
    relative too, so `peers` run from any other directory found every group "missing" and
    the personal group "damaged"."""
    (tmp_path / "A").mkdir()
    made = peers(tmp_path, "--home", "A/alice", "--hub", "A/hub", "create", "team")
    assert made.returncode == 0, made.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    home, hub = str(tmp_path / "A" / "alice"), str(tmp_path / "A" / "hub")
    listed = peers(elsewhere, "--home", home, "--hub", hub, "groups")
    assert "missing" not in listed.stdout and "damaged" not in listed.stdout, listed.stdout
    assert "(in " not in listed.stdout, listed.stdout
    sent = peers(elsewhere, "--home", home, "--hub", hub, "send", "team", "hello")
    assert sent.returncode == 0, sent.stderr
    # and the other way round: from the hub's parent, relative again
    again = peers(tmp_path / "A", "--home", "alice", "--hub", "hub", "log", "team")
    assert again.returncode == 0 and "hello" in again.stdout, again.stderr


@pytest.mark.slow
def test_a_join_through_a_hung_nats_server_says_one_line(tmp_path):
    """`peers join CODE` on a leaf whose nats-server does not answer (stopped, swapping): nats-
    py's error callback printed "nats: encountered error" and a traceback, and the line after
    it ended in an empty reason ("...not running (peers relay): ")."""
    import signal

    from tests.relay_helpers import team_on_two_hosts

    with team_on_two_hosts(tmp_path) as ((_, leaf), _, bob, code):
        server = leaf.nats_pid()
        os.kill(server, signal.SIGSTOP)
        try:
            joined = bob.spawn("join", code)
        finally:
            os.kill(server, signal.SIGCONT)
        assert joined.code == 1, joined
        assert "Traceback" not in joined.err and "encountered error" not in joined.err, joined.err
        assert joined.err.strip().splitlines() == [
            "peers: this host's relay is not running (peers relay): TimeoutError: its "
            "nats-server did not answer"], joined.err
