"""While a backfill walk runs, a relay that leads its own session lowers that session's CPU
weight (its autogroup's nice) and puts it back afterwards; a relay inside another program's
session leaves that session alone (relay/session_weight.py). Real processes, real /proc."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from peers_tui.relay.session_weight import AUTOGROUP, BACKFILL_NICE, read_nice

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(read_nice() is None,
                                reason="no /proc/self/autogroup (not Linux with autogroup)")

# Two walks overlapping, as two groups joined at once: the nice holds until both end.
WALKS = textwrap.dedent("""
    import asyncio
    from peers_tui.relay.session_weight import SessionWeight, read_nice

    async def main():
        weight = SessionWeight()
        print(read_nice())
        weight.hold()
        print(read_nice())
        weight.hold()
        weight.release()
        print(read_nice())
        await asyncio.sleep(0.3)  # past the kernel's rate limit for unprivileged writers
        weight.release()
        await asyncio.sleep(0.5)
        print(read_nice())

    asyncio.run(main())
""")


def run_walks(own_session: bool) -> list[int]:
    done = subprocess.run([sys.executable, "-c", WALKS], capture_output=True, text=True,
                          timeout=30, start_new_session=own_session,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    return [int(line) for line in done.stdout.split()]


def test_a_relay_leading_its_session_weighs_less_while_it_walks_then_as_before():
    assert run_walks(own_session=True) == [0, BACKFILL_NICE, BACKFILL_NICE, 0]


def test_a_relay_in_another_programs_session_leaves_that_session_alone():
    before = read_nice()
    assert run_walks(own_session=False) == [before] * 4
    assert read_nice() == before  # this test run's own session, shared with the child
    assert AUTOGROUP.exists()
