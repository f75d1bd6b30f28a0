"""A no-op role change of another Unix user of a lagging leaf is judged at the hub's head,
through the relay's desk (docs/relay.md, "Leftovers of issue 15 closed (h-left15)", item 3).

h-told made a leaf ask the hub for its membership changes past the file's head before saying
"already ...: nothing was changed" (relay/hub_head.py), and tested it for the relay's own Unix
user, who asks over its own NATS connection. dana here is another Unix user of leaf B (not
the relay's: she cannot read `.relay/` and her copy of peers has no NATS client): her question
goes through the desk (`<hub>/.relay-desk.sock`, relay/desk.py), which lives in the relay's
process. So B's file lags while her command runs by stopping B's relay (SIGSTOP) before
alice's change on the hub and letting it go only once dana's command waits on the desk: her
first look ("carol is already an admin") is B's stale copy, her question is answered by the
hub, and her change must then be made.
"""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

from tests import system_helpers as system
from tests.cli.test_relay_leaf_users import leaf_with_users, members, team_with_bob, unix_user
from tests.relay_helpers import paused_between_writes, wait_for

pytestmark = pytest.mark.slow


def test_a_desk_users_no_op_role_change_on_a_lagging_leaf_is_judged_at_the_hubs_head(unix_site):
    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        alice, bob, code, group_id = team_with_bob(hub, leaf)
        carol = hub.user("carol")
        carol.ok("join", code)
        dana = unix_user(base, "alice", leaf, unix_site)  # peers-test-alice, not root
        dana.ok("id", "--handle", "dana")
        dana.ok("join", code)
        alice.ok("role", "team", "dana", "owner")  # only an owner makes an admin
        alice.ok("role", "team", "carol", "admin")
        wait_for(lambda: members(dana).get("carol") == "admin"
                 and members(dana).get("dana") == "owner", what="the roles on B")
        assert leaf.process is not None
        paused_between_writes(leaf, group_id)  # B's relay and its desk: B's file lags
        try:
            alice.ok("role", "team", "carol", "reader")
            assert members(bob).get("carol") == "admin"  # B's copy: alice's change not here
            command = ["setpriv", f"--reuid={dana.account}", f"--regid={dana.account}",
                       "--init-groups", str(system.SYSTEM_PYTHON), "-P", "-m", "peers_tui",
                       "role", "team", "carol", "admin"]  # (as UnixUser.spawn, not waited)
            running = subprocess.Popen(command, env=dana.env(), cwd=dana.site, text=True,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            time.sleep(1.5)  # her look done on B's copy, her question at the stopped desk
        finally:
            leaf.process.send_signal(signal.SIGCONT)
        out, err = running.communicate(timeout=60)
        assert running.returncode == 0, err
        assert "already" not in err, err
        wait_for(lambda: members(alice).get("carol") == "admin", what="carol an admin at A")
        wait_for(lambda: members(bob).get("carol") == "admin", what="carol an admin on B")
        alice.ok("verify", "team")
