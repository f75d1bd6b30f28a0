"""Nothing ever writes outside PEERS_HOME and the hub.

Every command runs as a real process with HOME, TMPDIR and every XDG_* variable pointed into a
sentinel directory, in an empty working directory: afterwards both must be as they were. The
TUI, given --home, keeps the theme it is switched to in config.toml inside that home.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import Result

XDG = ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR",
       "XDG_DATA_DIRS", "XDG_CONFIG_DIRS")


def everything_under(directory: Path) -> set[str]:
    return {str(path.relative_to(directory)) for path in directory.rglob("*")}


@pytest.fixture
def sandbox(tmp_path: Path):
    """(environment, sentinel, cwd): the platform's directories all inside the sentinel."""
    sentinel, cwd = tmp_path / "sentinel", tmp_path / "cwd"
    for directory in (sentinel / "home", sentinel / "tmp", cwd):
        directory.mkdir(parents=True)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PEERS_", "XDG_"))}
    env.update({name: str(sentinel / name.lower()) for name in XDG})
    env.update(HOME=str(sentinel / "home"), TMPDIR=str(sentinel / "tmp"),
               PEERS_HUB=str(tmp_path / "hub"))
    before = everything_under(sentinel)
    yield env, sentinel, cwd
    assert everything_under(sentinel) == before, "something was written outside PEERS_HOME and the hub"
    assert everything_under(cwd) == set(), "something was written in the working directory"


def test_cli_writes_only_in_peers_home_and_the_hub(sandbox, tmp_path: Path):
    env, _, cwd = sandbox

    def peers(who: str, *args: str, stdin: str | None = None) -> Result:
        proc = subprocess.run([sys.executable, "-m", "peers_tui", *args], input=stdin, text=True,
                              capture_output=True, cwd=cwd, timeout=60,
                              env={**env, "PEERS_HOME": str(tmp_path / who)})
        assert proc.returncode == 0, (args, proc.stderr)
        return Result(proc.returncode, proc.stdout, proc.stderr)

    peers("alice", "id", "--handle", "alice")
    peers("bob", "id", "--handle", "bob")
    peers("alice", "create", "team")
    peers("bob", "join", peers("alice", "invite", "team", "--uses", "1").out.strip())
    first = peers("bob", "send", "team", "hello from bob").out.strip()
    peers("alice", "send", "team", "hello back", "--reply-to", first)
    peers("alice", "topic", "team", "confined")
    peers("bob", "edit", "team", first, "hello again from bob")
    assert "hello again" in peers("alice", "log", "team").out
    assert "hello back" in peers("alice", "search", "team", "hello").out
    exported = peers("alice", "export", "team").out
    peers("alice", "export", "team", "--format", "text")
    peers("alice", "import", "team", "-", stdin=exported)
    peers("alice", "members", "team", "--all")
    peers("alice", "role", "team", "bob", "reader")
    peers("alice", "groups", "--json")
    peers("alice", "verify")
    peers("alice", "doctor")
    peers("bob", "leave", "team")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alice", "bob", "cwd", "hub", "sentinel"]


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
def test_tui_keeps_its_theme_in_the_home_it_was_given(sandbox, tmp_path: Path):
    env, _, cwd = sandbox
    home = tmp_path / "alice"
    status = tmp_path / "status"
    subprocess.run([sys.executable, "-m", "peers_tui", "--home", str(home), "create", "team"],
                   env=env, cwd=cwd, check=True, capture_output=True)
    command = shlex.join(["env", "-i", *(f"{k}={v}" for k, v in env.items()
                                         if k not in ("TMUX", "TMUX_PANE", "TERM")),
                          "TERM=tmux-256color",
                          sys.executable, "-m", "peers_tui", "--home", str(home), "open", "team"])
    tmux = ["tmux", "-L", f"peers-confine-{os.getpid()}"]
    subprocess.run(tmux + ["new", "-d", "-s", "s", "-x", "100", "-y", "30", "-c", str(cwd),
                           f"{command}; echo $? > {shlex.quote(str(status))}"], check=True)
    try:
        def wait_until(condition, what: str) -> None:
            deadline = time.monotonic() + 30
            while not condition():
                assert time.monotonic() < deadline, what
                time.sleep(0.05)

        def screen() -> str:
            return subprocess.run(tmux + ["capture-pane", "-p", "-t", "s"],
                                  capture_output=True, text=True).stdout

        wait_until(lambda: "Message team" in screen(), "the app did not start")
        subprocess.run(tmux + ["send-keys", "-t", "s", "-l", "/theme dracula"], check=True)
        subprocess.run(tmux + ["send-keys", "-t", "s", "Enter"], check=True)
        config = home / "config.toml"
        wait_until(lambda: config.exists() and "dracula" in config.read_text(),
                   "the theme was not saved in the home")
        subprocess.run(tmux + ["send-keys", "-t", "s", "C-c"], check=True)
        wait_until(status.exists, "the app did not exit")
        assert status.read_text().strip() == "0"
    finally:
        subprocess.run(tmux + ["kill-server"], capture_output=True)
    assert config.read_text().splitlines()[-1] == 'theme = "dracula"'
