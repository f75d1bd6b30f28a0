"""Another Unix user of a leaf whose membership change goes through the relay's desk
(relay/desk.py), with the leaf's relay stopped so that B's copy lags while it runs: the
set-up shared by tests/cli/test_relay_desk_role_head.py and test_relay_desk_race_lost.py."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests import system_helpers as system
from tests.cli.test_relay_leaf_users import leaf_with_users, members, team_with_bob, unix_user
from tests.relay_helpers import blocked, wait_for


@contextmanager
def dana_an_owner_on_the_leaf(unix_site: Any) -> Iterator[tuple[Any, ...]]:
    """Hub A and leaf B (test_relay_leaf_users' set-up: alice and bob owners), carol (on A) an
    admin, dana another Unix user of B (peers-test-alice, not root) an owner, both roles on
    B: (hub, leaf, alice, bob, dana, group_id)."""
    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        alice, bob, code, group_id = team_with_bob(hub, leaf)
        hub.user("carol").ok("join", code)
        dana = unix_user(base, "alice", leaf, unix_site)
        dana.ok("id", "--handle", "dana")
        dana.ok("join", code)
        alice.ok("role", "team", "dana", "owner")  # only an owner changes an admin's role
        alice.ok("role", "team", "carol", "admin")
        wait_for(lambda: members(dana).get("carol") == "admin"
                 and members(dana).get("dana") == "owner", what="the roles on B")
        assert leaf.process is not None
        yield hub, leaf, alice, bob, dana, group_id


def waiting_at_the_stopped_desk(dana: Any, *args: str) -> subprocess.Popen[str]:
    """dana's `peers ARGS` (as UnixUser.spawn, not waited), once it waits on the desk of B's
    stopped relay: its look at B's copy done, its question asked."""
    command = ["setpriv", f"--reuid={dana.account}", f"--regid={dana.account}",
               "--init-groups", str(system.SYSTEM_PYTHON), "-P", "-m", "peers_tui", *args]
    running = subprocess.Popen(command, env=dana.env(), cwd=dana.site, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    blocked(running.pid)
    return running
