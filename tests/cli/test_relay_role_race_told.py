"""Two admins change one member's role at one moment from two hosts (h-told).

alice on the hub makes carol a reader; bob (an owner) on leaf B, whose file has not yet
received that change, makes her an admin while his copy still says admin. Before, bob was told "carol is
already an admin: nothing was changed" (judged on B's copy: a change that changes nothing is
never ordered at the hub) and the roster read reader a moment later, as if his change had
held. Now B asks the hub for the changes past its head (relay.hub_head), applies them, judges
again, and makes the change: carol is an admin everywhere, the log shows alice's change then
bob's. With the hub unreachable the refusal says it was judged on this host's copy.

Hub A and leaf B on loopback: real nats-servers, relays and `peers` processes. B's relay is
stopped (SIGSTOP, not its server) while alice changes the role, so B's file lags the hub's as
it does for the moment a change takes to come.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager

import pytest

from tests.relay_helpers import paused_between_writes, team_on_hub_and_leaf, wait_for

pytestmark = pytest.mark.slow


def role_of(user, handle: str) -> str | None:
    return next((m["role"] for m in user.ok("members", "team", "--json").json()
                 if m["handle"] == handle), None)


@contextmanager
def roles_on_two_hosts(tmp_path):
    """alice and bob owners, bob on the leaf B; carol an admin on the hub A. Yields (hosts,
    group id, alice, bob). Also the app's test's set-up."""
    with team_on_hub_and_leaf(tmp_path, "carol") as (hosts, group_id, alice, _, bob):
        alice.ok("role", "team", "bob", "owner")  # only an owner makes an admin
        alice.ok("role", "team", "carol", "admin")
        wait_for(lambda: role_of(bob, "carol") == "admin" and role_of(bob, "bob") == "owner",
                 what="the roles on B")
        yield hosts, group_id, alice, bob


@pytest.fixture
def team(tmp_path):
    with roles_on_two_hosts(tmp_path) as made:
        yield made


def test_a_role_change_judged_already_on_a_lagging_leaf_is_judged_at_the_hubs_head(team):
    (hub, leaf), group_id, alice, bob = team
    paused_between_writes(leaf, group_id)  # B's relay only: B's file lags, its server passes
    try:
        alice.ok("role", "team", "carol", "reader")
        assert role_of(bob, "carol") == "admin"  # B's copy: the other's change not here yet
        made = bob.run("role", "team", "carol", "admin")
    finally:
        leaf.process.send_signal(signal.SIGCONT)
    assert made.code == 0, made.err
    assert "already" not in made.err
    wait_for(lambda: role_of(alice, "carol") == "admin", what="carol an admin at the hub")
    assert role_of(bob, "carol") == "admin"
