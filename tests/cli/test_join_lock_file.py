"""The lock file joins of one group take turns on (`<hub>/.join-<group>.lock`, relay/
join_fetch.py; docs/relay.md, "Thirteenth attack pass"). Any user of a shared hub can make
it or lock it: a FIFO put in its place hung every join of the group on this host at its
open, and a flock held for good hung them on the wait, with nothing said. A FIFO is opened
without waiting and not used; a lock held past PEERS_JOIN_LOCK_WAIT (120 s; 1 here) ends
the join with one line.
"""

from __future__ import annotations

import fcntl
import os

import pytest

from peers_tui.core.invites import parse_code
from tests.relay_helpers import bodies, team_on_two_hosts, wait_for

pytestmark = pytest.mark.slow


def test_a_fifo_in_place_of_the_join_lock_hangs_no_join(tmp_path):
    with team_on_two_hosts(tmp_path) as (hosts, alice, bob, code):
        hub, leaf = hosts
        os.mkfifo(leaf.hub / f".join-{parse_code(code).group_id}.lock")
        joined = bob.spawn("join", code, timeout=60)
        assert joined.code == 0, joined.err
        alice.ok("send", "team", "hello")
        wait_for(lambda: "hello" in bodies(bob), what="alice's post on B")


def test_a_join_lock_held_for_good_ends_the_join_with_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("PEERS_JOIN_LOCK_WAIT", "1")
    with team_on_two_hosts(tmp_path) as (hosts, alice, bob, code):
        hub, leaf = hosts
        lock = leaf.hub / f".join-{parse_code(code).group_id}.lock"
        fd = os.open(lock, os.O_RDONLY | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            refused = bob.spawn("join", code, timeout=60)
        finally:
            os.close(fd)
        assert refused.code != 0 and "held" in refused.err, refused
        assert len(refused.err.strip().splitlines()) == 1, refused.err
        assert not (leaf.hub / f"{parse_code(code).group_id}.db").exists()
        bob.ok("join", code)  # let go: the join goes through
