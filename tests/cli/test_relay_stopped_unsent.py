"""The unsent count while this host's relay is stopped (docs/relay.md "Restored files, second
round (h-restore2)"): the app's `⇅ relay not running · N unsent`, `peers groups`' `relay not
running, N unsent`, `relay status --json`'s "unsent": N, counted from the group file and the
positions the relay last wrote into `.link.json`, as the `⋯` marks are. Real relays and
nats-servers on loopback; the app with Pilot."""

from __future__ import annotations

import pytest

from peers_tui.core.link_state import read_link_state
from peers_tui.widgets.topic_bar import TopicBar
from tests.relay_helpers import bodies, federation, stop_all, team_joined_on_two_hosts
from tests.relay_helpers import wait_for as wait_until
from tests.tui_helpers import make_app, wait_for


def sync_of(user) -> str:
    return {row["name"]: row for row in user.ok("groups", "--json").json()}["team"]["sync"]


@pytest.mark.slow
async def test_a_stopped_relay_still_says_how_many_records_wait(tmp_path):
    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, bob = team_joined_on_two_hosts(hub, leaf, spawn=True)
        assert alice.spawn("role", "team", "bob", "admin").code == 0  # invites are an admin's
        wait_until(lambda: any(m["role"] == "admin" and m["handle"] == "bob"
                               for m in bob.ok("members", "team", "--json").json()),
                   what="bob an admin on B")
        bob.ok("send", "team", "sent before")
        wait_until(lambda: "sent before" in bodies(alice), what="bob's message on A")
        wait_until(lambda: read_link_state(leaf.hub).unsent == 0, what="nothing unsent on B")
        leaf.stop()
        assert sync_of(bob) == "relay not running"
        for text in ("one", "two", "three"):
            bob.ok("send", "team", text)
        bob.ok("invite", "team")  # an invite waits too, as the relay counts it
        assert sync_of(bob) == "relay not running, 4 unsent"
        assert "relay not running, 4 unsent" in bob.ok("groups").out
        status = leaf.peers().run("relay", "status", "--json")
        assert status.code == 3
        assert '"unsent": 4' in status.out and "4 unsent" in status.err, (status.out, status.err)

        app = make_app(bob, "team")
        async with app.run_test(size=(120, 30)) as pilot:
            def link_text() -> str:
                return app.screen.query_one(TopicBar).title_text().plain
            await wait_for(pilot, lambda: link_text().endswith("⇅ relay not running · 4 unsent"))
            bob.ok("send", "team", "four")  # another process writes: counted at the next tick
            await wait_for(pilot, lambda: link_text().endswith("⇅ relay not running · 5 unsent"),
                           timeout=5)
            leaf.start()  # sent: the relay's own count again, and nothing waits
            await wait_for(pilot, lambda: "⇅ hub ✓" in link_text()
                           and "unsent" not in link_text(), timeout=20)
        wait_until(lambda: "four" in bodies(alice), what="bob's offline messages on A")
        assert sync_of(bob) == "✓"
    finally:
        stop_all(hosts)


@pytest.mark.slow
def test_a_relay_restarted_and_stopped_counts_nothing_of_what_it_had_sent(tmp_path):
    """A relay lists in `.link.json` the groups it counted: after a restart, only those with
    records sent since, so stopped again (or stopped with SIGSTOP, silent), every other
    group counted from its start: `peers groups` said `relay not running, 5002 unsent` of a
    group all sent long before, and the TUI `⇅ relay not running · 5085 unsent` (acceptance
    pass h-tuiacc). The restarted relay counts every group once."""
    (hub,) = hosts = federation(tmp_path, ("A",))
    try:
        alice = hub.user("alice")
        alice.ok("create", "team")
        for text in ("one", "two", "three"):
            alice.ok("send", "team", text)
        hub.start()
        wait_until(lambda: (state := read_link_state(hub.hub)) is not None
                   and state.groups and state.unsent == 0, what="team sent")
        hub.stop()
        assert sync_of(alice) == "relay not running"
        hub.start()  # again: nothing new to send
        wait_until(lambda: (state := read_link_state(hub.hub)) is not None and state.alive()
                   and state.groups, timeout=10, what="the restarted relay's groups listed")
        hub.stop()
        assert sync_of(alice) == "relay not running"
    finally:
        stop_all(hosts)
