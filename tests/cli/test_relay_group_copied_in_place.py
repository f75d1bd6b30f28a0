"""Another group's file copied into a group's live file on a leaf while its relay runs
(fifteenth attack pass; attacker: write access to the leaf's hub directory; held). SQLite's
backup API writes into the live file, so its inode stays and the scanner's check for a file
replaced by another (relay/replaced_files.py) does not see it; its check of the founding
record at each scan of a foreign commit (`founding_problem`) does: the file is damaged while
it holds the other group, alice's message from the hub waits rather than being judged by
the copied group's roster (refused, blamed on A), and is applied once the file is put back.

Hub A with alice, leaf B with bob; real nats-servers and relays."""

from __future__ import annotations

import time

import pytest

from tests.relay_helpers import bodies, federation, stop_all, team_joined_on_two_hosts, wait_for
from tests.tui.test_replaced_group_file import _copy

pytestmark = [pytest.mark.slow]


def test_another_groups_file_copied_into_a_leafs_live_file_refuses_nothing(tmp_path):
    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, bob = team_joined_on_two_hosts(hub, leaf)
        group_id = next(e["id"] for e in bob.ok("groups", "--json").json()
                        if e["name"] == "team")
        alice.ok("send", "team", "welcome")
        wait_for(lambda: "welcome" in bodies(bob), what="the welcome on B")
        other = bob.ok("create", "other").out.strip()
        bob.ok("send", "other", "said in other")
        team_file = leaf.hub / f"{group_id}.db"
        saved = tmp_path / "team-saved.db"
        _copy(team_file, saved)
        _copy(leaf.hub / f"{other}.db", team_file)  # in place: the same inode

        alice.ok("send", "team", "during the copy")
        wait_for(lambda: group_id in leaf.status().get("damaged", {}), timeout=20,
                 what="B's relay naming team's file damaged")
        time.sleep(1)
        assert leaf.status()["rejected"] == {}, leaf.peers().ok("relay", "rejected").out

        _copy(saved, team_file)  # put back
        alice.ok("send", "team", "after the copy")
        wait_for(lambda: bodies(bob)[-2:] == ["during the copy", "after the copy"],
                 timeout=30, what="both of alice's messages on B")
        assert leaf.status()["rejected"] == {} and hub.status()["rejected"] == {}
        assert bob.run("verify", "team").code == 0
    finally:
        stop_all(hosts)
