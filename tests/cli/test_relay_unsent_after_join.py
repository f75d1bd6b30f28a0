"""Rows a join fetched are never "unsent" (twenty-seventh acceptance pass, docs/relay.md,
"Four left by the twenty-seventh pass").

With this host's relay stopped right after a join, the count of unsent records is taken
from the group files and the positions the relay last wrote into `.link.json`
(core.stopped_unsent); a group the link file did not list yet was counted from its start,
so the rows the join had fetched from the federation read "301 unsent". The join now marks
in the group file how far its fetched rows go (core.joined_top), and the count starts above
that mark. Hub A and leaf B on loopback, real relays; B's relay is paused during the join
(its nats-server answers the fetch, no `.link.json` lists the group) and then killed."""

from __future__ import annotations

import signal

import pytest

from tests.cli.test_relay_backfill import fed_messages, import_lines
from tests.relay_helpers import paused_between_writes, wait_for

pytestmark = pytest.mark.slow


def test_a_stopped_relay_right_after_a_join_counts_only_what_was_written_here(hosts):
    from peers_tui.core.account import Account

    hub, leaf = hosts
    alice, bob = hub.user("alice"), leaf.user("bob")
    group_id = alice.ok("create", "team").out.strip()
    Account(alice.home, alice.hub).import_history("team", import_lines(800, "old"))
    code = alice.ok("invite", "team").out.strip()
    hub.start()
    leaf.start()
    wait_for(leaf.link_up, what="the leaf up")
    wait_for(lambda: fed_messages(hub, group_id) >= 800, timeout=60, what="A's records published")
    assert leaf.process is not None
    # its server answers the fetch; no link file. Stopped between writes of its relay.db,
    # which it writes as it takes A's records and the join writes too (inside one, the join
    # waited on its lock).
    paused_between_writes(leaf, leaf.hub / ".relay" / "relay.db")
    try:
        bob.ok("join", code)
        bob.ok("send", "team", "mine 1")
        bob.ok("send", "team", "mine 2")
    finally:
        leaf.stop(signal.SIGKILL)  # stopped for good right after the join
    status = leaf.status()
    assert status.get("running") is False, status
    assert status.get("unsent") == 2, status  # bob's two, none of the fetched rows
    synced = {row["name"]: row for row in bob.ok("groups", "--json").json()}["team"]
    assert "unsent" not in synced.get("sync", "") or "2 unsent" in synced["sync"], synced
