"""`--home` and `--hub` given relative to the working directory (as a reviewer setting up hosts
side by side types them: `peers --home A/alice --hub A/hub ...`): the group paths stored in
personal.db were relative too, so `peers` run from any other directory found every group
"missing" and the personal group "damaged"."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.relay_helpers import REPO


def peers(cwd, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERS_")}
    return subprocess.run([sys.executable, "-m", "peers_tui", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=60, env={**env, "PYTHONPATH": str(REPO)})


def test_groups_made_with_relative_dirs_are_found_from_anywhere(tmp_path):
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
