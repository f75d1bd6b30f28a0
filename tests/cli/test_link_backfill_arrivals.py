"""A join's backfill in the relay's `.link.json`, with a real relay pair on loopback: the
history pages the walk applies are no arrivals (no user's note names a host for history,
core.joined_history). As arrivals, every page made the file due again, read and redrawn by
each open TUI of the host while its user typed (R6a), and pushed the live arrivals, which
the notes need, out of the file's last MAX_ARRIVALS."""

from __future__ import annotations

import pytest

from peers_tui.core.account import Account
from peers_tui.core.link_state import read_link_state
from tests.cli.test_link_state import groups_json
from tests.cli.test_relay_backfill import fed_messages, import_lines
from tests.relay_helpers import bodies, wait_for

HISTORY = 4000  # four pages for the walk (relay.backfill.PAGE) below the join's newest page


def arrivals(host, group_id: str) -> list:
    state = read_link_state(host.hub)
    return [a for a in state.arrivals if a.group == group_id] if state is not None else []


@pytest.mark.slow
def test_a_backfills_pages_are_no_arrivals_and_live_messages_still_are(hosts):
    hub, leaf = hosts
    alice, bob = hub.user("alice"), leaf.user("bob")
    group_id = alice.ok("create", "team").out.strip()
    Account(alice.home, alice.hub).import_history("team", import_lines(HISTORY, "old"))
    alice.ok("send", "team", "the newest")
    code = alice.ok("invite", "team").out.strip()
    hub.start()
    leaf.start()
    wait_for(leaf.link_up, what="the leaf up")
    wait_for(lambda: fed_messages(hub, group_id) >= HISTORY + 1, timeout=60,
             what="A's records published")
    bob.ok("join", code)
    wait_for(lambda: groups_json(bob)["team"]["sync"] == "✓", timeout=90, what="all received")
    assert len(bodies(bob)) == HISTORY + 1
    # The file as the relay wrote it last, after the walk's end (its `receiving` gone).
    applied = sum(a.count for a in arrivals(leaf, group_id))
    assert applied < 1000, f"{applied} messages of history counted as arrivals"
    # A message written on A after the join is an arrival from A, as before.
    alice.ok("send", "team", "live after the join")
    wait_for(lambda: "live after the join" in bodies(bob), what="A's live message on B")
    wait_for(lambda: any(a.host == hub.name and a.count >= 1 for a in arrivals(leaf, group_id)),
             timeout=10, what="the live message as an arrival from A")
    assert sum(a.count for a in arrivals(leaf, group_id)) < 1000
