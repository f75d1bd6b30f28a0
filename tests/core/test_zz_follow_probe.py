from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time

from tests.conftest import User


def test_follow_other_groups_file(alice: User, bob: User, team):
    other = alice.ok("create", "other").out.strip()
    alice.ok("send", "other", "said in other")
    alice.ok("send", "other", "said in other 2")
    alice.ok("send", "team", "one")
    follower = subprocess.Popen(
        [sys.executable, "-m", "peers_tui", "log", "team", "--follow", "--json", "--limit", "4"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=bob.env())
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in follower.stdout], daemon=True).start()
    try:
        print("FIRST", json.loads(lines.get(timeout=15))["body"])
        time.sleep(0.5)
        os.replace(alice.hub / f"{other}.db", alice.hub / f"{team}.db")
        time.sleep(1)
        from peers_tui.testing.forge import Forger
        Forger(alice.home).message(alice.hub / f"{team}.db", other, "new in other, shown in team?")
        time.sleep(3)
        got = []
        while not lines.empty():
            got.append(lines.get())
        print("GOT", got)
        print("POLL", follower.poll())
    finally:
        follower.terminate()
        follower.wait(timeout=10)
    print("ERR", follower.stderr.read())
    print("LOG", bob.run("log", "team").out, bob.run("log", "team").err)
