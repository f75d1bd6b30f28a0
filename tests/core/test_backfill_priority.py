"""A backfill's signature checks (relay/signatures.py) run at a lower CPU priority than the
relay, so that the user's app on the same host keeps echoing keys at once meanwhile."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from peers_tui.relay import signatures


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_the_checking_threads_yield_the_cpu_to_interactive_work():
    def own_priority() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    here = own_priority()
    try:
        there = {signatures._executor().submit(own_priority).result(timeout=10) for _ in range(4)}
    finally:
        signatures.shutdown()
    assert there == {min(19, here + signatures.BACKGROUND_NICE)}
    assert own_priority() == here  # the relay's own thread is left as it was
