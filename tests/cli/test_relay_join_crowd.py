"""Many joins from three hosts at one moment (docs/relay.md, "Eighteenth acceptance pass"): each
one that lost the hub's order is done again after the winner, as often as it takes, and every
joiner ends a member (issue 15: "the loser retries against the new head"). Found from the CLI:
with six joins at once (two on the hub, one on B, three on C) dave's on B lost twice and said
"another membership change reached the hub first; nothing was changed, try again": the command
was done again once only. Hub A, leaves B and C on loopback, real relays, each join a process
of its own, all started at one instant."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.relay_helpers import federation, start_linked, stop_all, wait_for

pytestmark = pytest.mark.slow


def test_every_join_of_a_crowd_at_one_moment_gets_in(tmp_path):
    hosts = federation(tmp_path, ("A", "B", "C"))
    a, b, c = hosts
    try:
        alice = a.user("alice")
        alice.ok("create", "team")
        code = alice.ok("invite", "team", "--uses", "30").out.strip()
        start_linked(hosts)
        wait_for(lambda: b.status().get("received") and c.status().get("received"),
                 what="the group at the hub")
        joiners = [host.user(f"{host.name.lower()}{i}") for host in (a, b, c) for i in range(7)]
        at = time.time() + 3
        script = ("import sys, time; time.sleep(max(0, float(sys.argv[1]) - time.time())); "
                  "from peers_tui.cli import main; sys.exit(main(sys.argv[2:]))")
        procs = [subprocess.Popen([sys.executable, "-c", script, str(at), "join", code],
                                  env=user.env(), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for user in joiners]
        results = [(user.name, proc.wait(timeout=120), proc.stderr.read()) for user, proc
                   in zip(joiners, procs)]
        failed = [(name, err.strip()) for name, code_, err in results if code_ != 0]
        assert failed == [], failed
        wait_for(lambda: len(alice.ok("members", "team", "--json").json()) == 22,
                 what="every joiner a member on the hub")
    finally:
        stop_all(hosts)
