"""`peers verify` on a host whose join's backfill is under way (docs/relay.md, "Acceptance from
the CLI, sixth pass"): what lies below the frontier is "not yet received", never "history
deleted" (issue 15; `peers log` and the TUI said so already). Found from the CLI: with C's
relay killed while 50,000 messages came in, `peers verify` there said "author zwxysopj: 45001
of their records are missing (history deleted)" beside "incomplete: earlier history not yet
received (5,012 of 50,002)". Hub A and leaf C on loopback, real relays; C's relay is stopped
with SIGKILL right after the join returns, so the walk stays where it was."""

from __future__ import annotations

import signal

import pytest

from tests.cli.test_relay_backfill import MESSAGES, bodies_in, published_on_the_hub, two_hosts  # noqa: F401
from tests.relay_helpers import wait_for

pytestmark = pytest.mark.slow


def test_verify_mid_backfill_says_not_yet_received_and_no_history_deleted(two_hosts):  # noqa: F811
    hub, leaf = two_hosts
    alice, bob, group_id, code = published_on_the_hub(hub, leaf)
    carol = leaf.user("carol")
    carol.ok("join", code)
    leaf.stop(signal.SIGKILL)
    path = leaf.hub / f"{group_id}.db"
    assert len(bodies_in(path, group_id)) < MESSAGES + 5, "the walk ended before the kill"
    verified = carol.run("verify", "team")
    lines = [line for line in verified.out.splitlines() if "FAILED" in line]
    assert [line for line in lines if "deleted" in line] == [], verified.out
    assert len(lines) == 1 and "incomplete: earlier history not yet received" in lines[0], lines
    # The walk goes on once the relay is back, and the finished file verifies clean.
    leaf.start()
    wait_for(lambda: "earlier history not yet received" not in carol.ok("log", "team", "--limit", "5").err,
             timeout=120, what="the frontier closed")
    assert len(bodies_in(path, group_id)) == MESSAGES + 5
    assert carol.run("verify", "team").code == 0, carol.run("verify", "team").out
