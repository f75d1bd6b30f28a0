"""A whole group file deleted on a leaf (docs/relay.md, "Leftovers, fourth round"): the group
stays in bob's Groups table, and every command said only "<path> is missing". Now the line
names the group and what brings it back, and `peers relay refetch GROUP` makes the file again
from the federation's hub (it said "has no file in this hub"): the whole history, bob's own
records included, and messages flow both ways after it. The same with B's relay running and
with it stopped when the file went (it is restarted before the command: the command reads
through it). Two hosts on loopback, real nats-servers and relays."""

from __future__ import annotations

import pytest

from tests.relay_helpers import bodies, team_on_two_hosts, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def two(tmp_path):
    with team_on_two_hosts(tmp_path) as (hosts, alice, bob, code):
        bob.ok("join", code)
        alice.ok("send", "team", "a1")
        bob.ok("send", "team", "b1")
        alice.ok("send", "team", "a2")
        wait_for(lambda: bodies(bob) == bodies(alice) and bodies(alice) == ["a1", "b1", "a2"],
                 what="the history on both hosts")
        yield hosts, alice, bob


def delete_file(leaf, group_id: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        (leaf.hub / f"{group_id}.db{suffix}").unlink(missing_ok=True)


def group_id(user) -> str:
    return next(g["id"] for g in user.ok("groups", "--json").json() if g["name"] == "team")


def back_and_flowing(leaf, alice, bob, team: str, query: str) -> None:
    said = bob.fails("log", "team").err
    assert f"group team: its file {leaf.hub / f'{team}.db'} is missing" in said, said
    assert f"`peers relay refetch {team}` makes it again" in said, said
    listed = [g for g in bob.ok("groups", "--json").json() if g["name"] == "team"]
    assert [g["state"] for g in listed] == ["missing"], listed  # still listed, as missing
    done = bob.run("relay", "refetch", query)
    assert done.code == 0 and done.err == "", done.err
    assert done.out.startswith(f"the file of group {team} was missing here: made again"), done.out
    assert bodies(bob) == bodies(alice)
    unread = next(g for g in bob.ok("groups", "--json").json() if g["name"] == "team")["unread"]
    assert unread == 0  # fetched again: history, not news
    bob.ok("send", "team", "b2")
    alice.ok("send", "team", "a3")
    wait_for(lambda: bodies(bob) == bodies(alice) and bodies(alice)[-2:] == ["b2", "a3"],
             timeout=20, what="messages both ways after the file came back")
    assert bob.ok("verify").code == 0 and alice.ok("verify").code == 0
    status = leaf.status()
    assert status["waiting"] == 0 and status["rejected"] == {}, status


def test_a_group_file_deleted_while_the_relay_runs_is_made_again(two):
    (hub, leaf), alice, bob = two
    team = group_id(bob)
    delete_file(leaf, team)
    back_and_flowing(leaf, alice, bob, team, "team")


def test_a_group_file_deleted_while_the_relay_is_stopped_is_made_again(two):
    (hub, leaf), alice, bob = two
    team = group_id(bob)
    leaf.stop()
    delete_file(leaf, team)
    alice.ok("send", "team", "while B was stopped")
    leaf.start()
    wait_for(leaf.link_up, what="B's link again")
    back_and_flowing(leaf, alice, bob, team, team)  # by its id, as the line says


def test_the_hubs_own_group_file_deleted_is_made_again_from_its_stream(two):
    """The hub is a replica too: its file made again from its own federation stream; bob's
    next message on B reaches alice on A and hers reaches him."""
    (hub, leaf), alice, bob = two
    team = group_id(alice)
    delete_file(hub, team)
    said = alice.fails("send", "team", "lost?").err
    assert f"`peers relay refetch {team}` makes it again" in said, said
    done = alice.run("relay", "refetch", "team")
    assert done.code == 0 and done.err == "", done.err
    assert bodies(alice) == bodies(bob) == ["a1", "b1", "a2"]
    bob.ok("send", "team", "b2")
    alice.ok("send", "team", "a3")
    wait_for(lambda: bodies(bob) == bodies(alice) and bodies(alice)[-2:] == ["b2", "a3"],
             timeout=20, what="messages both ways after the hub's file came back")
    assert alice.ok("verify").code == 0 and bob.ok("verify").code == 0
    for host in (hub, leaf):
        status = host.status()
        assert status["waiting"] == 0 and status["rejected"] == {}, (host.name, status)
