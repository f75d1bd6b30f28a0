"""`peers log --follow` in one process sees what other processes commit."""

from __future__ import annotations

import json
import selectors
import subprocess
import sys
import time

from tests.conftest import User


def read_line(proc: subprocess.Popen, timeout: float = 15) -> str:
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if selector.select(timeout=0.2):
            return proc.stdout.readline()
    raise AssertionError("no line from the follower in time")


def test_follow_prints_messages_committed_by_other_processes(alice: User, bob: User, team):
    alice.ok("send", "team", "before following")
    follower = subprocess.Popen(
        [sys.executable, "-m", "peers_tui", "log", "team", "--follow", "--json", "--limit", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=bob.env())
    try:
        assert json.loads(read_line(follower))["body"] == "before following"
        for text in ("one", "two"):
            assert alice.spawn("send", "team", text).code == 0
            shown = json.loads(read_line(follower))
            assert (shown["author"], shown["body"], shown["verified"]) == ("alice", text, True)
        message = shown["id"]
        assert alice.spawn("edit", "team", message, "two, edited").code == 0
        shown = json.loads(read_line(follower))
        assert (shown["id"], shown["body"], shown["edited"]) == (message, "two, edited", True)
    finally:
        follower.terminate()
        follower.wait(timeout=10)


def test_notifier_reports_a_commit_from_another_process(alice: User, team):
    from peers_tui.core.notifier import ChangeNotifier
    notifier = ChangeNotifier()
    notifier.watch(team, alice.hub / f"{team}.db")
    assert notifier.wait(timeout=0.05) == set()
    writer = subprocess.Popen([sys.executable, "-m", "peers_tui", "send", "team", "ping"],
                              env=alice.env())
    assert notifier.wait(timeout=15) == {team}
    writer.wait(timeout=30)
    notifier.close()
