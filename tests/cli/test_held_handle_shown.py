"""A handle change of ours that has not reached the hub (issue 15): `peers id` and `peers
groups` tell it, and a plain `peers send` to another group signs again the one the hub refused
as stale, as every other command does. Before, the user saw their new handle everywhere on
their own host and nothing saying that the other hosts did not have it, and a script that only
sent to other groups (the lean path: cli.quick_send) left it waiting. Real relays and
nats-servers (tests.relay_helpers)."""

from __future__ import annotations

import json

import pytest

from tests.relay_helpers import federation, stop_all
from tests.relay_helpers import wait_for as wait_until
from tests.tui.test_held_handle_resign import EVERYONE, handles, two_on_a_cut_leaf


def team_line(user) -> str:
    return next(line for line in user.ok("groups").out.splitlines() if " team " in line)


@pytest.mark.slow
def test_a_handle_change_kept_for_the_hub_is_told_until_the_hub_has_it(tmp_path):
    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, bob, carol = two_on_a_cut_leaf(hub, leaf)
        said = carol.ok("id")
        assert said.out.split()[1] == "caroline"  # her own host has it at once
        assert "your handle change waits for the hub in team" in said.err, said.err
        assert "handle unsent" in team_line(carol), team_line(carol)
        listed = [json.loads(line) for line in carol.ok("groups", "--json").out.splitlines()]
        team = next(group for group in listed if group["name"] == "team")
        assert team["handle_change"] == "unsent" and "handle unsent" in team["sync"], team
        assert json.loads(carol.ok("id", "--json").out)["handle_changes"] == {
            team["id"]: "unsent"}
        assert "handle" not in team_line(alice)  # (alice changed nothing)

        hub.start()
        wait_until(lambda: leaf.status().get("held") == {"to_send": 0, "to_sign": 1},
                   what="carol's change refused as stale, waiting for her")
        line = team_line(carol)  # signed again before the list is made: nothing waits
        assert "handle" not in line, line
        for user in (alice, bob, carol):
            wait_until(lambda user=user: handles(user) == EVERYONE,
                       what=f"both handles at {user.name}'s host")
        said = carol.ok("id")
        assert "waits" not in said.err and "handle_changes" not in carol.ok("id", "--json").out
    finally:
        stop_all(hosts)


@pytest.mark.slow
def test_a_plain_send_to_another_group_signs_again_a_change_refused_as_stale(tmp_path):
    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, bob, carol = two_on_a_cut_leaf(hub, leaf)
        carol.ok("create", "notes")  # founded under her new handle: its sends stay lean
        hub.start()
        wait_until(lambda: leaf.status().get("held") == {"to_send": 0, "to_sign": 1},
                   what="carol's change refused as stale, waiting for her")
        assert handles(alice) == {"alice", "robert", "carol"}
        sent = carol.run("send", "notes", "to self")  # the lean path (cli.quick_send)
        assert sent.code == 0 and "waits" not in sent.err, sent.err
        for user in (alice, bob, carol):
            wait_until(lambda user=user: handles(user) == EVERYONE,
                       what=f"carol's handle at {user.name}'s host")
        assert "held" not in leaf.status()
    finally:
        stop_all(hosts)
