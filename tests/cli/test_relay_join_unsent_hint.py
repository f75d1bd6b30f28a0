"""A join of a code made on a leaf whose relay has not begun to send what its author wrote
before it (docs/relay.md, "Joins waited for, second round (h-joinwait2)").

Hub A, leaves B and C, 'big' on all three; erin (an admin, on C) imports 5,000 messages and
makes a code at once; bob joins on B, which holds the group. The invite goes out behind the
import (chain_order.py); while C's relay scans the first 2,000 rows (its loop held, ~0.3 s
and more under load) nothing of them is at the hub, which said "neither", and the join was
refused at once. C's relay now says first which groups it has not begun to send
(unsent_hint.py), and the hub answers "moving" for them.

To hold C's relay in that moment, it is stopped (SIGSTOP) before the import, then let run in
slices of SLICE seconds, the hub asked between slices, until the hub says the group is on its
way: before any record of the import is at the hub, or the test fails (as it did before:
the hub said so only once C's records were there). C stays stopped for the join's first
second, then runs on, and the join waits for the invite. Real relays on loopback.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from peers_tui.relay.invite_wait import MOVING, wait_for_invite
from tests.cli.test_relay_join_invite_at_hub import quiet_at_the_hub
from tests.cli.test_relay_join_after_import import big_on_three_hosts, imported_lines
from tests.relay_helpers import paused_between_writes, wait_for

pytestmark = pytest.mark.slow

IMPORTED = 5_000
SLICE = 0.03  # seconds C's relay runs between two questions to the hub
SLICES = 100  # at most: 3 s of running, ten times the scan of 2,000 rows here


def test_a_join_waits_while_the_codes_leaf_has_not_begun_to_send(tmp_path, monkeypatch):
    monkeypatch.setenv("PEERS_JOIN_INVITE_WAIT", "30")  # the import through two relays, loaded
    monkeypatch.setenv("PEERS_RELAY_TRACE", "1")  # C's relay says when it scanned, published
    with big_on_three_hosts(tmp_path) as (hosts, group_id, erin, bob):
        hub, leaf, third = hosts
        wait_for(lambda: len(erin.ok("members", "big", "--json").json()) == 3, timeout=30,
                 what="carol's join on C")
        quiet_at_the_hub(hub)  # nothing taken from C lately: "moving" is C's word alone
        paused_between_writes(third, group_id)
        traced = len(third.stderr().splitlines())
        relay = third.process.pid
        resumed = threading.Timer(1.0, os.kill, (relay, signal.SIGCONT))
        try:
            erin.ok("import", "big", "-", stdin=imported_lines(IMPORTED))
            code = erin.ok("invite", "big").out.strip()
            said, ran = None, 0
            while said != MOVING and ran < SLICES:
                os.kill(relay, signal.SIGCONT)
                time.sleep(SLICE)
                os.kill(relay, signal.SIGSTOP)
                ran += 1
                said = wait_for_invite(leaf.hub, code, 0.1)  # what the hub says to B now
            # C's relay traces "scanned N of <group>" once a scan is through, before it sends
            sent = [line for line in third.stderr().splitlines()[traced:]
                    if group_id[:6] in line and ("scanned" in line or "published" in line)]
            print(f"the hub said {said} after {ran} slices; C's relay: {sent}")
            assert said == MOVING and not sent, (said, ran, sent)
            resumed.start()
            began = time.monotonic()
            joined = bob.spawn("join", code, timeout=120)
            took = time.monotonic() - began
        finally:
            resumed.cancel()
            os.kill(relay, signal.SIGCONT)
        print(f"join took {took:.1f} s: {joined.err.strip()}")
        assert joined.code == 0, joined.err
        assert "big" in bob.ok("groups").out
