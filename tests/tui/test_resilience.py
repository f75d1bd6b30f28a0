"""Crashes, hang-ups and damaged files: nothing acknowledged is lost, the rest keeps working."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from peers_tui.core.account import Account
from tests.conftest import User
from tests.tui_helpers import log_bodies, wait_for

BURST = """
import sys
from pathlib import Path
from peers_tui.core.account import Account
account = Account(Path(sys.argv[1]), Path(sys.argv[2]))
for i in range(100000):
    view = account.send("team", f"burst {i}")
    print(view.id, flush=True)   # printed only once the commit returned
"""


def test_kill_9_mid_burst_loses_no_acknowledged_message(alice: User, bob: User, team):
    writer = subprocess.Popen([sys.executable, "-c", BURST, str(bob.home), str(bob.hub)],
                              stdout=subprocess.PIPE, text=True)
    acknowledged = []
    deadline = time.monotonic() + 60
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        acknowledged.append(writer.stdout.readline().strip())
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    stored = {m["id"] for m in alice.ok("log", "team", "--limit", "100000", "--json").json()}
    assert set(acknowledged) <= stored
    assert alice.ok("verify", "team").code == 0
    bob.ok("send", "team", "after the crash")  # the chain continues after a killed writer


def test_damaged_group_is_reported_and_the_others_keep_working(alice: User, team):
    alice.ok("create", "healthy")
    (alice.hub / f"{team}.db").write_bytes(b"\0garbage" * 512)
    groups = {g["name"]: g for g in alice.ok("groups", "--json").json()}
    assert groups["team"]["state"] == "damaged" and groups["team"]["problem"]
    assert groups["healthy"]["state"] == "active"
    alice.ok("send", "healthy", "still fine")
    assert "team" in alice.run("verify").out


@pytest.mark.parametrize("damage", ["missing", "truncated", "symlink", "swapped", "newer"])
def test_each_kind_of_damage_gives_a_clear_error(alice: User, team, tmp_path, damage):
    path = alice.hub / f"{team}.db"
    other = alice.ok("create", "other").out.strip()
    if damage == "missing":
        path.unlink()
    elif damage == "truncated":
        with open(path, "r+b") as handle:
            handle.truncate(1000)
    elif damage == "symlink":
        shutil.move(path, tmp_path / "moved.db")
        path.symlink_to(tmp_path / "moved.db")
    elif damage == "swapped":
        shutil.copy(alice.hub / f"{other}.db", path)
    else:
        import sqlite3
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA user_version = 42")
    result = alice.fails("log", "team")
    assert result.err.startswith("peers: ")
    alice.ok("send", "other", "unaffected")


async def test_app_starts_on_the_personal_group_when_the_last_one_is_damaged(alice: User, team):
    from peers_tui.factory import build_app
    account = Account(alice.home, alice.hub)
    account.set_last_group(team)
    (alice.hub / f"{team}.db").write_bytes(b"not a database" * 100)
    app = build_app(account, config_file=alice.home / "c.toml")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.chat is not None and app.chat.query_one("MessageLog").loaded)
        assert app.chat.entry.name == "personal"
        assert any("damaged" in (n.title or "") for n in app._notifications)
        await pilot.press("alt+2")  # switching to it reports, and changes nothing
        assert app.chat.entry.name == "personal"
        assert log_bodies(app) == []


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
def test_sighup_closes_the_app_cleanly_and_keeps_the_draft(alice: User, team, tmp_path):
    socket = f"peers-test-{os.getpid()}"
    tmux = ["tmux", "-L", socket]
    env = " ".join(f"{k}={v}" for k, v in alice.env().items() if k.startswith("PEERS_"))
    status = tmp_path / "status"
    subprocess.run(tmux + ["new", "-d", "-s", "s", "-x", "100", "-y", "30",
                           f"env {env} {sys.executable} -m peers_tui open team; echo $? > {status}"],
                   check=True)
    try:
        deadline = time.monotonic() + 30
        while "Message team" not in subprocess.run(tmux + ["capture-pane", "-p", "-t", "s"],
                                                    capture_output=True, text=True).stdout:
            assert time.monotonic() < deadline, "the app did not start"
            time.sleep(0.1)
        subprocess.run(tmux + ["send-keys", "-t", "s", "unsent words"], check=True)
        time.sleep(0.5)
        # The app is the pane's shell's child: found by parent, not by a machine-wide pattern
        # that another test's app could match.
        shell = subprocess.run(tmux + ["display", "-p", "-t", "s", "#{pane_pid}"],
                               capture_output=True, text=True).stdout.strip()
        pid = subprocess.run(["pgrep", "-P", shell], capture_output=True,
                             text=True).stdout.split()[0]
        os.kill(int(pid), signal.SIGHUP)
        deadline = time.monotonic() + 20
        while not status.exists():
            assert time.monotonic() < deadline, "the app did not exit on SIGHUP"
            time.sleep(0.1)
        assert status.read_text().strip() == "0"
        assert Account(alice.home, alice.hub).draft(team) == "unsent words"
    finally:
        subprocess.run(tmux + ["kill-server"], capture_output=True)


def test_random_bytes_as_a_group_file_never_crash_the_loader(alice: User, team):
    import random
    rng = random.Random(11)
    path = alice.hub / f"{team}.db"
    header = b"SQLite format 3\0"
    for attempt in range(20):
        body = bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 10, 100, 4096, 20000])))
        path.write_bytes((header if attempt % 2 else b"") + body)
        for command in (["log", "team"], ["members", "team"], ["verify", "team"]):
            result = alice.run(*command)
            assert result.code != 0 and "Traceback" not in result.err
            assert len(result.err.strip().splitlines()) <= 1
        assert alice.ok("groups", "--json").json()[1]["state"] == "damaged"
