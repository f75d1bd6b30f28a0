"""The relay's user-readable link state (`<hub>/.link.json`) with a real relay pair on
loopback: up, then offline with the unsent count once the hub's relay stops; the sync column
of `peers groups`; what arrived from which host."""

from __future__ import annotations

import os
import signal
import stat

import pytest

from peers_tui.core.link_state import link_path, read_link_state
from tests.cli.test_relay_backfill import fed_messages, import_lines
from tests.relay_helpers import bodies, paused_between_writes, wait_for


def groups_json(user):
    return {row["name"]: row for row in user.ok("groups", "--json").json()}


@pytest.mark.slow
def test_link_state_and_sync_column_follow_the_link(hosts):
    hub, leaf = hosts
    alice, bob = hub.user("alice"), leaf.user("bob")
    group_id = alice.ok("create", "team").out.strip()
    code = alice.ok("invite", "team").out.strip()
    # Set up but never run: the column says so, and nothing is a traceback.
    assert groups_json(alice)["team"]["sync"] == "relay not running"
    hub.start()
    leaf.start()
    wait_for(lambda: (s := read_link_state(leaf.hub)) is not None and s.up, what="the leaf up")
    wait_for(lambda: leaf.status().get("received"), what="the group at the hub")
    bob.ok("join", code)
    alice.ok("send", "team", "hello from A")
    wait_for(lambda: "hello from A" in bodies(bob), what="A's message on B")

    mode = stat.S_IMODE(os.stat(link_path(leaf.hub)).st_mode)
    assert mode == 0o644  # readable by every user of the hub, unlike .relay/
    state = read_link_state(leaf.hub)
    assert state is not None and state.alive() and state.role == "leaf" and state.to == "A"
    assert state.rtt_ms is not None
    wait_for(lambda: groups_json(bob)["team"].get("sync") == "✓", what="the column ✓ on B")
    # Where A's message came from: the hub names its host, and B's relay publishes it.
    wait_for(lambda: any(a.group == group_id and a.host == "A"
                         for a in read_link_state(leaf.hub).arrivals), what="an arrival from A")

    hub.stop()  # the hub's relay goes: B is offline and keeps its messages
    wait_for(lambda: not read_link_state(leaf.hub).up, what="the leaf offline")
    bob.ok("send", "team", "one")
    bob.ok("send", "team", "two")
    wait_for(lambda: read_link_state(leaf.hub).group(group_id).unsent == 2, what="2 unsent")
    sync = groups_json(bob)["team"]["sync"]
    assert sync.startswith("offline ") and sync.endswith(", 2 unsent"), sync
    listed = bob.ok("groups").out
    assert "2 unsent" in listed and "offline" in listed

    hub.start()  # back: sent, and the count goes to nothing
    wait_for(lambda: read_link_state(leaf.hub).up, what="the leaf up again")
    wait_for(lambda: read_link_state(leaf.hub).group(group_id).unsent == 0, what="all sent")
    wait_for(lambda: "two" in bodies(alice), what="B's offline messages on A")
    assert groups_json(bob)["team"]["sync"] == "✓"

    leaf.stop()  # a relay that stopped says so
    assert groups_json(bob)["team"]["sync"] == "relay not running"


def test_groups_have_no_sync_column_without_a_relay(tmp_path):
    from tests.conftest import User

    user = User("solo", tmp_path / "solo", tmp_path / "hub")
    user.ok("id", "--handle", "solo")
    user.ok("create", "team")
    assert "sync" not in groups_json(user)["team"]
    listed = user.ok("groups").out
    assert "✓" not in listed and "relay" not in listed


@pytest.mark.slow
def test_a_group_just_joined_shows_its_backfill_before_the_relay_reports_it(hosts):
    """`peers groups` said ✓ for a group joined through the relay until the relay's next
    `.link.json` listed its backfill (a second later; as long as the relay is stopped): the
    column reads the group file's own frontier now, so it says `receiving N%` at once."""
    from peers_tui.core.account import Account

    hub, leaf = hosts
    alice, bob = hub.user("alice"), leaf.user("bob")
    group_id = alice.ok("create", "team").out.strip()
    Account(alice.home, alice.hub).import_history("team", import_lines(3000, "old"))
    alice.ok("send", "team", "the newest")
    code = alice.ok("invite", "team").out.strip()
    hub.start()
    leaf.start()
    wait_for(leaf.link_up, what="the leaf up")
    wait_for(lambda: fed_messages(hub, group_id) >= 3001, timeout=60, what="A's records published")
    assert leaf.process is not None
    # B's relay paused between writes (no group file of B's yet; its relay.db, which it
    # writes as it takes A's records and the join writes too, checked): its nats-server still
    # answers the join's fetch and the hub orders the join, but no new `.link.json` comes.
    paused_between_writes(leaf, leaf.hub / ".relay" / "relay.db")
    try:
        bob.ok("join", code)
        sync = groups_json(bob)["team"]["sync"]
    finally:
        leaf.process.send_signal(signal.SIGCONT)
    assert "receiving " in sync and "100%" not in sync, sync  # "offline 1s, " too, under load
    wait_for(lambda: groups_json(bob)["team"]["sync"] == "✓", timeout=60, what="all received")
    assert len(bodies(bob)) == 3001
