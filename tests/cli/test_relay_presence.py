"""Presence across hosts: a user's app on one host shows on another host's roster, with the
host, and leaves it when the app exits or that host's relay dies (real relays, real apps)."""

from __future__ import annotations

import signal
import time

import pytest

from tests.relay_helpers import federation, stop_all, team_joined_on_two_hosts, wait_for
from tests.tmux_helpers import Tmux, needs_tmux

pytestmark = [pytest.mark.slow, pytest.mark.serial, needs_tmux]


def member(user, group: str, handle: str) -> dict:
    rows = {m["handle"]: m for m in user.ok("members", group, "--json").json()}
    return rows[handle]


@pytest.fixture
def hosts(tmp_path, monkeypatch):
    # Heartbeats every half second: a host whose relay died ages out in 1.5 s, not 45 s.
    monkeypatch.setenv("PEERS_PRESENCE_HEARTBEAT", "0.5")
    made = federation(tmp_path)
    yield made
    stop_all(made)


def test_an_app_on_one_host_is_present_with_its_host_on_the_other(hosts):
    hub, leaf = hosts
    alice, bob = team_joined_on_two_hosts(hub, leaf)
    wait_for(lambda: "bob" in [m["handle"] for m in alice.ok("members", "team", "--json").json()],
             what="bob's join on A")
    # bob has run commands on B (his profile is there): his home is B, he is not present
    wait_for(lambda: member(alice, "team", "bob")["hosts"] == ["B"], what="bob's home host")
    assert member(alice, "team", "bob")["present"] is False
    assert member(alice, "team", "alice") == {**member(alice, "team", "alice"),
                                              "present": False, "hosts": ["A"]}
    tmux = Tmux()
    try:
        tmux.open("bob", bob, "open", "team", size=(100, 30))
        seen = wait_for(lambda: member(alice, "team", "bob")["present"], timeout=10,
                        what="bob's app on B seen on A")
        assert seen and member(alice, "team", "bob")["hosts"] == ["B"]
        plain = alice.ok("members", "team").out
        assert any(line.startswith("bob") and "  B  " in line for line in plain.splitlines())
        assert any(line.startswith("alice") and "away (A)" in line for line in plain.splitlines())

        tmux.keys("bob", "C-c")  # bob quits: absent on A within seconds
        wait_for(lambda: not member(alice, "team", "bob")["present"], timeout=10,
                 what="bob's exit seen on A")
        assert member(alice, "team", "bob")["hosts"] == ["B"]  # still his home

        tmux.open("bob2", bob, "open", "team", size=(100, 30))
        wait_for(lambda: member(alice, "team", "bob")["present"], timeout=10,
                 what="bob back on B")
        leaf.stop(signal.SIGKILL)  # no goodbye from B: the hub sees its link drop
        wait_for(lambda: not member(alice, "team", "bob")["present"], timeout=10,
                 what="B gone on A")
        # away at once, his home still shown, also once A aged B's entry out (1.5 s here)
        time.sleep(3 * 1.5)
        assert member(alice, "team", "bob")["hosts"] == ["B"]
        assert not member(alice, "team", "bob")["present"]
    finally:
        tmux.close()


def test_a_hub_without_a_relay_lists_members_as_before(tmp_path):
    from tests.relay_helpers import Host

    host = Host("A", tmp_path / "A")
    host.root.mkdir()
    alice = host.user("alice")
    alice.ok("create", "team")
    row = member(alice, "team", "alice")
    assert row["hosts"] == [] and row["present"] is False
    line = alice.ok("members", "team").out.splitlines()[0]
    assert "away" not in line and line.split()[-1] == "owner"


def test_presence_keeps_flowing_after_the_hubs_server_restarts(hosts):
    """A token made while the hub runs restarts its nats-server; the presence subscriptions
    that went silent then are renewed (a held presence lock stands in for an app here)."""
    from peers_tui.core.account import Account
    from peers_tui.core.presence import Presence

    hub, leaf = hosts
    alice, bob = team_joined_on_two_hosts(hub, leaf)
    wait_for(lambda: "bob" in [m["handle"] for m in alice.ok("members", "team", "--json").json()],
             what="bob's join on A")
    server = hub.nats_pid()
    hub.peers().ok("relay", "token", "--name", "C")  # the hub's server restarts
    wait_for(lambda: hub.nats_pid() != server, what="the hub's new server")
    time.sleep(2)  # the leaf reconnects; what subscribed before the restart is gone quiet
    wait_for(leaf.link_up, what="the leaf link again")
    bobs_app = Presence(bob.hub)
    bobs_app.announce(Account(bob.home, bob.hub).user_id)
    try:
        wait_for(lambda: member(alice, "team", "bob")["present"], timeout=8,
                 what="bob present on A after the hub's restart")
        assert member(alice, "team", "bob")["hosts"] == ["B"]
    finally:
        bobs_app.withdraw()


def test_a_host_cut_off_past_the_age_out_keeps_its_peoples_homes_on_both_sides(hosts):
    """The fourth acceptance pass: B's nats-server stopped (SIGSTOP: its TCP connection
    stays open, as when a laptop's network vanishes) for longer than the age-out. Both
    sides show the other side's people away, at home where they were: `○ alice  A` on B and
    `○ bob  B` on A (the roster lost the host column after 45 s of a one-minute cut)."""
    import os

    from peers_tui.core.account import Account
    from peers_tui.core.presence import Presence

    hub, leaf = hosts
    alice, bob = team_joined_on_two_hosts(hub, leaf)
    apps = [Presence(user.hub) for user in (alice, bob)]
    for app, user in zip(apps, (alice, bob)):
        app.announce(Account(user.home, user.hub).user_id)
    try:
        wait_for(lambda: member(alice, "team", "bob")["present"]
                 and member(bob, "team", "alice")["present"], what="both present both sides")
        server = leaf.nats_pid()
        os.kill(server, signal.SIGSTOP)
        try:
            wait_for(lambda: not member(bob, "team", "alice")["present"]
                     and not member(alice, "team", "bob")["present"], what="both away")
            time.sleep(3 * 1.5)  # three age-outs (1.5 s with these heartbeats)
            assert member(bob, "team", "alice")["hosts"] == ["A"]
            assert member(alice, "team", "bob")["hosts"] == ["B"]
            assert not member(alice, "team", "bob")["present"]
        finally:
            os.kill(server, signal.SIGCONT)
        wait_for(lambda: member(alice, "team", "bob")["present"]
                 and member(bob, "team", "alice")["present"], what="present again once back")
    finally:
        for app in apps:
            app.withdraw()
