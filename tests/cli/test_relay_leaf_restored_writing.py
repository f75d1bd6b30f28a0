"""A leaf's group file put back to an older copy while its users keep writing (docs/relay.md
"Restored files, second round (h-restore2)"; the thirteenth acceptance pass's "Left open").

The relay counts the file against the hub's stream and fetches back what the file lacks
(relay/census.py, refetch.py), but only at a moment the host has nothing unsent nor on its
way: counted otherwise, the host's own new rows and the hub's would not compare. With one
writer a second, C's `team` was fetched back 40 s after the put-back, once the writers
paused. Here bob on leaf B sends from real `peers send` processes without a pause, and alice
on the hub A too, while B's file is put back by SQLite's backup API (`sqlite3 FILE ".restore
BACKUP"`); what the copy lacked must come back while they write.

Hub A (alice) and leaf B (bob): real nats-servers, relays and `peers` processes."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from tests.cli.test_relay_hub_restored import copy, team_files, two_hosts
from tests.relay_helpers import bodies, wait_for

pytestmark = pytest.mark.slow


class Writer(threading.Thread):
    """`peers send` processes one after another (each its own process, as a user's loop)."""

    def __init__(self, user, prefix: str, pause: float) -> None:
        super().__init__(daemon=True)
        self.user, self.prefix, self.pause = user, prefix, pause
        self.stopping = threading.Event()
        self.sent: list[str] = []

    def run(self) -> None:
        n = 0
        while not self.stopping.is_set():
            n += 1
            text = f"{self.prefix}{n}"
            proc = subprocess.run([sys.executable, "-m", "peers_tui", "send", "team", text],
                                  capture_output=True, text=True, env=self.user.env(),
                                  timeout=60)
            if proc.returncode == 0:
                self.sent.append(text)
            time.sleep(self.pause)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=60)


def test_a_leaf_file_put_back_is_fetched_back_while_its_users_write(tmp_path):
    with two_hosts(tmp_path) as (hub, leaf, alice, bob, fay):
        send_first = [f"early{n}" for n in range(5)]
        for text in send_first[:2]:
            alice.ok("send", "team", text)
        mine, theirs = team_files(alice, hub, leaf)
        wait_for(lambda: "early1" in bodies(bob), timeout=30, what="early1 on B")
        backup = tmp_path / "backup.db"
        copy(theirs, backup)  # B's backup of the group's file
        for text in send_first[2:]:
            alice.ok("send", "team", text)
            bob.ok("send", "team", text + "b")
        lacked = [*send_first[2:], *(t + "b" for t in send_first[2:])]
        wait_for(lambda: set(lacked) <= set(bodies(bob)) and set(lacked) <= set(bodies(alice)),
                 timeout=30, what="the later messages on A and B")

        writers = [Writer(bob, "b-", 0.0), Writer(alice, "a-", 0.3)]
        for writer in writers:
            writer.start()
        try:
            time.sleep(2.0)
            copy(backup, theirs)  # put back while both write: B lacks `lacked`
            assert not set(lacked) & set(bodies(bob))
            began = time.monotonic()
            wait_for(lambda: set(lacked) <= set(bodies(bob)), timeout=20,
                     what="what the copy lacked fetched back into B's file while both write")
            took = time.monotonic() - began
            assert all(writer.is_alive() for writer in writers)
        finally:
            for writer in writers:
                writer.stop()
        print(f"fetched back in {took:.1f} s while writing")
        sent = [text for writer in writers for text in writer.sent]
        assert len(sent) > 5
        wait_for(lambda: set(sent) <= set(bodies(bob)) and set(sent) <= set(bodies(alice)),
                 timeout=30, what="every message written meanwhile on A and B")
