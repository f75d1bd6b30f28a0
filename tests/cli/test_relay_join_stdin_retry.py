"""`peers join -` (the code read from standard input) retries a join that lost its place at
the hub once, as `peers join CODE` does (docs/relay.md, "Leftovers, sixth round"). It had no
retry: the code was read already when the hub said another change came first.

The lost race made certain: erin on C is in the group already (C has its file); C's relay is
stopped (SIGSTOP) just after it wrote its status, so C's file misses dave's join on A, and
carol's join on C is signed against the head before it. The hub refuses it as stale, with
its changes; the retry signs after them."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.relay_helpers import federation, paused_between_writes, start_linked, stop_all, wait_for

pytestmark = pytest.mark.slow


def members(user) -> list[str]:
    return sorted(m["handle"] for m in user.ok("members", "team", "--json").json())


@pytest.mark.parametrize("how", ["argument", "stdin"])
def test_a_join_that_lost_at_the_hub_is_done_again(tmp_path, how):
    hosts = federation(tmp_path, ("A", "C"))
    hub, c = hosts
    try:
        alice, erin = hub.user("alice"), c.user("erin")
        group_id = alice.ok("create", "team").out.strip()
        start_linked(hosts)
        erin.ok("join", alice.ok("invite", "team").out.strip())
        code = alice.ok("invite", "team", "--uses", "2").out.strip()
        carol = c.user("carol")
        before = c.status()["updated"]
        wait_for(lambda: c.status()["updated"] != before, what="C's next status")
        # C's file gets nothing more from the hub; its relay stopped between writes of it,
        # which carol's join writes (inside one, the join waited on its lock)
        paused_between_writes(c, group_id)
        try:
            hub.user("dave").ok("join", code)  # at the hub: C does not see it
            began = time.monotonic()
            if how == "stdin":
                result = carol.spawn("join", "-", stdin=code + "\n")
            else:
                result = carol.spawn("join", code)
            took = time.monotonic() - began
        finally:
            os.kill(c.process.pid, signal.SIGCONT)
        assert took < 4.5, f"the join took {took:.1f} s: C's status may have gone stale"
        assert result.code == 0, result.err
        assert result.out.startswith("joined team"), result.out
        assert "reached the hub first; done again" in result.err, result.err
        assert "Traceback" not in result.err
        wait_for(lambda: members(alice) == ["alice", "carol", "dave", "erin"],
                 what="carol's join at A")
        wait_for(lambda: members(carol) == ["alice", "carol", "dave", "erin"],
                 what="every join at C")
    finally:
        stop_all(hosts)
