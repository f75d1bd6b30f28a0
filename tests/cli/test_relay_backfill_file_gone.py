"""A group's file removed while the relay walks its history in (sixteenth acceptance pass):
dora's accept of an invitation fetched `deep` (100,000 messages), the relay began its
backfill, and the accept failed and removed the file (join_fetch.JoinFetch). The walk went
on trying every second ("backfill of ...: MissingFile", once a minute on stderr), and the
link state kept `receiving: 2%` for the group, so dora's app said `receiving 2%` on every
group's top line until her next join of it. Now the walk ends when its file is gone."""

from __future__ import annotations

import json

import pytest

from peers_tui.core.link_state import read_link_state
from peers_tui.relay.join_fetch import remove_group_file
from tests.relay_helpers import federation, stop_all, wait_for

pytestmark = pytest.mark.slow


def test_a_walk_whose_file_went_away_stops_saying_receiving(tmp_path):
    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, bob = hub.user("alice"), leaf.user("bob")
        group_id = alice.ok("create", "big").out.strip()
        lines = "".join(json.dumps({"id": f"o-{i}", "author": "old", "body": f"old {i}",
                                    "created_at": 1_700_000_000 + i}) + "\n"
                        for i in range(20_000))
        (tmp_path / "old.jsonl").write_text(lines)
        alice.ok("import", "big", str(tmp_path / "old.jsonl"))
        code = alice.ok("invite", "big").out.strip()
        for host in hosts:
            host.start()
        wait_for(leaf.link_up, what="B's link")
        wait_for(lambda: hub.status().get("unsent") == 0, timeout=60, what="big out of A")
        bob.ok("join", code)  # the newest page; the relay walks in the rest

        def receiving() -> float | None:
            state = read_link_state(leaf.hub)
            sync = state.group(group_id) if state is not None else None
            return None if sync is None else sync.receiving

        wait_for(lambda: receiving() is not None and receiving() < 1, timeout=20,
                 what="B's walk under way")
        remove_group_file(leaf.hub, group_id)  # as a failed join removes what it fetched
        wait_for(lambda: receiving() is None, timeout=10,
                 what="the link state no longer saying the group is receiving")
    finally:
        stop_all(hosts)
