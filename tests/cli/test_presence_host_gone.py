"""A host killed whole (relay, nats-server, apps: SIGKILL, no goodbye) leaves the other hosts'
rosters within seconds, not after the 45 s age-out: the hub's nats-server drops the leaf's
connection at once and the hub's relay says the host gone; a leaf cut from the hub shows the
others away. Default heartbeat (15 s, age-out 45 s): only the link can make it this fast."""

from __future__ import annotations

import os
import signal
import time

import pytest

from peers_tui.core.account import Account
from peers_tui.core.presence import Presence
from peers_tui.relay.leaf_heard import SILENT_AFTER
from tests.relay_helpers import federation, stop_all, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.serial]

SOON = 10.0  # seconds; the age-out it replaces is 45


def member(user, handle: str) -> dict:
    return {m["handle"]: m for m in user.ok("members", "team", "--json").json()}[handle]


@pytest.fixture
def hosts(tmp_path, monkeypatch):
    monkeypatch.delenv("PEERS_PRESENCE_HEARTBEAT", raising=False)
    made = federation(tmp_path, ("A", "B", "C"))
    yield made
    stop_all(made)


def present_everywhere(hosts):
    """alice on A, bob on B, carol on C in 'team', each with a presence lock (an app)."""
    hub, b, c = hosts
    alice, bob, carol = hub.user("alice"), b.user("bob"), c.user("carol")
    alice.ok("create", "team")
    code = alice.ok("invite", "team", "--uses", "2").out.strip()
    for host in hosts:
        host.start()
    for user, host in ((bob, b), (carol, c)):
        wait_for(host.link_up, what=f"{host.name}'s link")
        wait_for(lambda user=user: user.run("join", code).code == 0, what=f"{user.name}'s join")
    apps = []
    for user in (alice, bob, carol):
        app = Presence(user.hub)
        app.announce(Account(user.home, user.hub).user_id)
        apps.append(app)
    for viewer in (alice, carol):
        wait_for(lambda viewer=viewer: member(viewer, "bob")["present"], timeout=15,
                 what=f"bob present for {viewer.name}")
    wait_for(lambda: member(bob, "carol")["present"] and member(bob, "alice")["present"],
             timeout=15, what="carol and alice present for bob")
    return alice, bob, carol, apps


def test_a_leaf_killed_whole_is_away_on_the_other_hosts_within_seconds(hosts):
    hub, b, c = hosts
    alice, bob, carol, apps = present_everywhere(hosts)
    try:
        killed = time.monotonic()
        b.stop(signal.SIGKILL)  # its nats-server dies with it (PDEATHSIG)
        apps[1].withdraw()  # bob's app went with the host; nobody can say so for it
        for viewer in (alice, carol):
            wait_for(lambda viewer=viewer: not member(viewer, "bob")["present"], timeout=SOON,
                     what=f"bob away for {viewer.name}")
        took = time.monotonic() - killed
        print(f"leaf B killed whole -> bob away on A and C in {took:.2f} s")
        assert member(alice, "bob")["hosts"] == ["B"]  # still his home, no longer present
        assert member(alice, "carol")["present"]  # C's people are untouched
        b.start()  # back: present again at once, not after a heartbeat
        wait_for(b.link_up, what="B's link again")
        announce_again = Presence(bob.hub)
        announce_again.announce(Account(bob.home, bob.hub).user_id)
        apps.append(announce_again)
        wait_for(lambda: member(alice, "bob")["present"], timeout=SOON, what="bob back on A")
    finally:
        for app in apps:
            app.withdraw()


@pytest.mark.parametrize("stopped_one", ["server", "relay"])
def test_a_leaf_the_hub_calls_silent_is_away_and_present_again_once_heard(hosts, stopped_one):
    """B's nats-server (or its relay) SIGSTOPped: its connection stays listed at the hub
    for ~16 s (three missed 5 s pings; the relay's: for good), but the hub calls B silent
    after 5 s unheard (leaf_heard.py), and its people are away on A and C from then, not
    from the drop; present again as soon as B runs (its relay's link comes back, or its
    relay reads the hub's word on its own entry: it says who is present at once)."""
    hub, b, c = hosts
    alice, bob, carol, apps = present_everywhere(hosts)
    try:
        time.sleep(2)  # B's pings heard at the hub on this link
        assert b.process is not None
        server = b.nats_pid() if stopped_one == "server" else b.process.pid
        stopped = time.monotonic()
        os.kill(server, signal.SIGSTOP)
        try:
            for viewer in (alice, carol):
                wait_for(lambda viewer=viewer: not member(viewer, "bob")["present"],
                         timeout=SILENT_AFTER + 4 - (time.monotonic() - stopped),
                         what=f"bob away for {viewer.name} while B is silent")
            took = time.monotonic() - stopped
            assert hub.status()["leaves"]["B"]["up"] is True  # silent, not dropped
            assert member(alice, "bob")["hosts"] == ["B"]
            assert member(alice, "carol")["present"] and member(carol, "alice")["present"]
        finally:
            resumed = time.monotonic()
            os.kill(server, signal.SIGCONT)
        back = {}
        for viewer in (alice, carol):
            wait_for(lambda viewer=viewer: member(viewer, "bob")["present"], timeout=6,
                     what=f"bob present again for {viewer.name}")
            back[viewer.name] = time.monotonic() - resumed
        print(f"B's {stopped_one} stopped -> bob away on A and C in {took:.2f} s; "
              f"resumed -> present again {back}")
    finally:
        for app in apps:
            app.withdraw()


def test_a_leaf_cut_from_its_hub_shows_the_others_away(hosts):
    hub, b, c = hosts
    alice, bob, carol, apps = present_everywhere(hosts)
    try:
        killed = time.monotonic()
        hub.stop(signal.SIGKILL)  # hub killed whole: B and C can reach nobody
        apps[0].withdraw()
        wait_for(lambda: not member(bob, "alice")["present"]
                 and not member(bob, "carol")["present"], timeout=SOON,
                 what="alice and carol away for bob")
        print(f"hub A killed whole -> alice and carol away on B in {time.monotonic() - killed:.2f} s")
        assert member(bob, "bob")["present"]  # his own app, on his host
        assert member(bob, "carol")["hosts"] == ["C"]
    finally:
        for app in apps:
            app.withdraw()


def test_a_leaf_that_died_while_the_hubs_relay_was_down_is_not_present_once_it_is_back(hosts):
    """The hub's relay did not see B's link drop (it was down itself): back, it reads B's
    last entry from the stream, present. Its server says B has no link: B is gone."""
    hub, b, c = hosts
    alice, bob, carol, apps = present_everywhere(hosts)
    try:
        hub.stop(signal.SIGKILL)  # the hub's relay and its nats-server
        b.stop(signal.SIGKILL)
        apps[1].withdraw()
        restarted = time.monotonic()
        hub.start()
        wait_for(c.link_up, what="C's link again")
        for viewer in (alice, carol):
            wait_for(lambda viewer=viewer: member(viewer, "carol")["present"]
                     and not member(viewer, "bob")["present"], timeout=SOON + 5,
                     what=f"bob away and carol present for {viewer.name}")
        print(f"hub back -> dead leaf B away in {time.monotonic() - restarted:.2f} s")
    finally:
        for app in apps:
            app.withdraw()
