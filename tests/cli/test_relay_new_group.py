"""A group founded on a host is published at once, however soon after another one.

The relay lists the hub's group files at most once a second. A group founded within a
second of the last listing was not in it: its records waited for the relay's slow sweep (up
to 2 s after the last write), and `peers join` of it from another host in that time said
"group ... is not known to the federation's hub". A user who founds two groups in a row and
hands out the second's code at once met it (found trying the CLI by hand, 2026-12-01).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.relay_helpers import bodies, team_on_two_hosts, wait_for

pytestmark = pytest.mark.slow


def test_a_group_founded_right_after_another_can_be_joined_from_another_host_at_once(
        tmp_path: Path) -> None:
    with team_on_two_hosts(tmp_path) as (hosts, alice, bob, _code):
        for attempt in range(3):  # three pairs: each one founded right after the other
            alice.ok("create", f"first{attempt}")
            alice.ok("create", f"second{attempt}")
            code = alice.ok("invite", f"second{attempt}").out.strip()
            alice.ok("send", f"second{attempt}", f"hello {attempt}")
            time.sleep(0.5)  # the code handed over: half a second, no retry
            joined = bob.run("join", code)
            assert joined.code == 0, f"pair {attempt}: {joined.err}"
            wait_for(lambda attempt=attempt: f"hello {attempt}" in bodies(bob, f"second{attempt}"),
                     what=f"alice's message in second{attempt} on B")
