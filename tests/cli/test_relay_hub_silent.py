"""A hub whose RELAY is silent while its nats-server answers (issue 15): the hub's relay
SIGSTOPped (its server runs on: it answers the leaf's link probe), every leaf read `⇅ hub ✓
2 ms`, `peers relay status` "up", `peers groups` `✓`, while nothing it sent was passed on and
membership changes timed out. Now the leaf's relay asks the hub's relay too (relay/hub_heard.py):
silent SILENT_AFTER seconds, it is said everywhere a user looks, and back within a second or
two of a SIGCONT. Real relays and nats-servers on loopback."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from peers_tui.core.link_state import read_link_state
from peers_tui.core.link_words import indicator
from peers_tui.relay.hub_heard import SILENT_AFTER, HubHeard
from tests.cli.test_link_state import groups_json
from tests.relay_helpers import bodies, team_joined_on_two_hosts, wait_for

pytestmark = pytest.mark.slow


def test_the_rule_silent_only_after_the_bound_with_the_link_up():
    heard = HubHeard()
    last = heard.heard_at
    assert heard.silent_since(True, last + SILENT_AFTER - 0.1) is None  # a miss or four
    assert heard.silent_since(True, last + SILENT_AFTER) == last  # since it was last heard
    assert heard.silent_since(False, last + 60) is None  # a link down says more
    assert heard.moved(True) and not heard.moved(True) and heard.moved(False)
    heard.heard_at = last - 60
    heard.linked()  # a link made again: the relay is given the bound from now
    assert heard.silent_since(True, time.time() + 1) is None


def hub_relay_silent(leaf) -> float | None:
    link = leaf.status().get("link") or {}
    return link.get("hub_relay_silent_since") if link.get("up") else None


def shown(leaf) -> str:
    """B's top line, as the TUI renders it from B's link file (screens/chat_link.py)."""
    return indicator(read_link_state(leaf.hub), True)


def test_a_leaf_says_the_hubs_relay_is_silent_and_when_it_is_back(hosts):
    hub, leaf = hosts
    alice, bob = team_joined_on_two_hosts(hub, leaf)
    wait_for(lambda: shown(leaf).startswith("⇅ hub ✓"), what="B's ✓")
    assert hub_relay_silent(leaf) is None
    pid = hub.process.pid
    stopped = time.monotonic()
    os.kill(pid, signal.SIGSTOP)  # the relay alone: its nats-server (a child) runs on
    try:
        assert os.path.exists(f"/proc/{hub.nats_pid()}")
        since = wait_for(lambda: hub_relay_silent(leaf), timeout=20, what="the hub's relay silent")
        assert time.monotonic() - stopped > 2.5, "one probe missed is no silence"
        assert since <= time.time() - 4, since  # when it was last heard
        text = leaf.peers().ok("relay", "status").out
        assert "link to hub A: up for" in text and "the hub's relay: silent for" in text, text
        wait_for(lambda: shown(leaf).startswith("⇅ hub relay silent "), timeout=5,
                 what="B's top line")
        # Sent to the hub's server, not passed on: no ✓ for it.
        bob.ok("send", "team", "while the hub's relay sleeps")
        wait_for(lambda: leaf.status().get("unsent") == 0, what="bob's message at the hub's server")
        sync = groups_json(bob)["team"]["sync"]
        assert sync.startswith("hub relay silent ") and "✓" not in sync, sync
        # The apps mark it (the link file: passed on up to before it; screens/chat_link.py)
        wait_for(lambda: [s.passed is not None and s.passed < s.sent for s in read_link_state(
            leaf.hub).groups.values()] == [True], timeout=5, what="marked not passed on")
        # A membership change is refused at once, saying why (no 3 s timeout, no "it may
        # still make this change").
        asked = time.monotonic()
        refused = bob.fails("leave", "team")
        assert "the relay of the hub A has not answered for" in refused.err, refused.err
        assert "may still make" not in refused.err and time.monotonic() - asked < 2.9
        assert "while the hub's relay sleeps" not in bodies(alice)
    finally:
        os.kill(pid, signal.SIGCONT)
    resumed = time.monotonic()
    wait_for(lambda: hub_relay_silent(leaf) is None and leaf.status().get("link", {}).get("up"),
             timeout=10, what="the hub's relay heard again")
    assert time.monotonic() - resumed < 2.5, time.monotonic() - resumed
    wait_for(lambda: shown(leaf).startswith("⇅ hub ✓"), timeout=10, what="B's ✓ again")
    assert time.monotonic() - resumed < 3.5, time.monotonic() - resumed
    wait_for(lambda: "while the hub's relay sleeps" in bodies(alice), what="bob's message on A")
    as_json = json.loads(leaf.peers().ok("relay", "status", "--json").out)
    assert as_json["link"]["up"] and as_json["link"]["hub_relay_silent_since"] is None
    assert [s.passed for s in read_link_state(leaf.hub).groups.values()] == [None]
