"""The relay's run lock (relay/setup_checks.py) against `relay status`'s look at it: the look
takes the lock shared for an instant, and a relay starting in that instant was refused, "a
relay already runs for this hub (pid ?)" (the slow relay lane, h-linkdrop: a test polling
the status of the relay it had just started). A relay that runs holds it for good."""

from __future__ import annotations

import fcntl
import os
import threading

import pytest

from peers_tui.relay.config import RelayError, relay_dir
from peers_tui.relay.setup_checks import LOCK_FILE, RunLock, lock_holder


def relay_home(tmp_path):
    hub = tmp_path / "hub"
    relay_dir(hub).mkdir(parents=True, mode=0o700)
    return hub


def test_a_start_while_the_status_looks_takes_the_lock(tmp_path):
    hub = relay_home(tmp_path)
    looking = os.open(relay_dir(hub) / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(looking, fcntl.LOCK_SH | fcntl.LOCK_NB)  # lock_holder's look, caught in it
    threading.Timer(0.05, os.close, (looking,)).start()  # the look lets go
    lock = RunLock(hub)
    lock.acquire()  # main: RelayError "a relay already runs for this hub (pid ?)"
    try:
        assert lock_holder(hub) == os.getpid()
    finally:
        lock.release()


def test_a_running_relay_still_refuses_a_second(tmp_path):
    hub = relay_home(tmp_path)
    first = RunLock(hub)
    first.acquire()
    try:
        with pytest.raises(RelayError, match=rf"already runs for this hub \(pid {os.getpid()}\)"):
            RunLock(hub).acquire()
    finally:
        first.release()
