"""A join's backfill walk runs with the relay's session at a lower CPU weight, so the user's
app on that host keeps the cores while they type (R6a, relay/session_weight.py): a relay
leading its own session (as a systemd unit or a tmux window starts it) raises its autogroup's
nice while it walks and puts it back after; a relay started inside another program's session
(here: this test run's) leaves that session alone. Three hosts on loopback: hub A, leaf B in
a session of its own, leaf C in this test's."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from peers_tui.relay.session_weight import BACKFILL_NICE, read_nice
from tests.cli.test_relay_backfill import bodies_in, fed_messages, import_lines
from tests.relay_helpers import federation, stop_all, wait_for

HISTORY = 5_000  # the newest page with the join, the rest in walk pages of 1,000 behind it

pytestmark = pytest.mark.skipif(read_nice() is None,
                                reason="no /proc/self/autogroup (not Linux with autogroup)")


class NiceWatch(threading.Thread):
    """Every nice a process's session showed, read every few milliseconds until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.path = Path(f"/proc/{pid}/autogroup")
        self.seen: set[int | None] = set()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.002):
            self.seen.add(read_nice(self.path))


@pytest.mark.slow
def test_a_walk_lowers_its_own_sessions_weight_only_while_it_runs(tmp_path):
    from peers_tui.core.account import Account

    hub, b, c = hosts = federation(tmp_path, ("A", "B", "C"))
    try:
        alice, bob, carol = hub.user("alice"), b.user("bob"), c.user("carol")
        group_id = alice.ok("create", "team").out.strip()
        code = alice.ok("invite", "team", "--uses", "2").out.strip()
        Account(alice.home, alice.hub).import_history("team", import_lines(HISTORY, "old"))
        alice.ok("send", "team", "the newest")
        hub.start()
        b.start(own_session=True)
        c.start()
        for leaf in (b, c):
            wait_for(leaf.link_up, what=f"{leaf.name}'s link")
        wait_for(lambda: fed_messages(hub, group_id) >= HISTORY + 1, timeout=60,
                 what="A's records published")
        assert b.process is not None
        walker, ours = NiceWatch(b.process.pid), NiceWatch(c.process.pid)
        walker.start()
        ours.start()
        before = read_nice()
        bob.ok("join", code)
        carol.ok("join", code)
        for leaf in (b, c):
            wait_for(lambda leaf=leaf: len(bodies_in(leaf.hub / f"{group_id}.db", group_id))
                     >= HISTORY + 1, timeout=120, what=f"the whole history on {leaf.name}")
            wait_for(lambda leaf=leaf, user=(bob if leaf is b else carol):
                     "earlier history not yet received" not in user.ok("log", "team", "--limit", "3").err,
                     timeout=30, what=f"the frontier closed on {leaf.name}")
        # Put back once the walk is over (within the kernel's rate limit of 100 ms a change).
        wait_for(lambda: read_nice(walker.path) == before, timeout=5,
                 what="B's session weight put back")
        walker.done.set()
        ours.done.set()
        walker.join()
        ours.join()
        assert BACKFILL_NICE in walker.seen, walker.seen  # B lowered its own session's weight
        assert ours.seen == {before}, ours.seen  # C left this test run's session alone
        assert read_nice() == before
    finally:
        stop_all(hosts)
