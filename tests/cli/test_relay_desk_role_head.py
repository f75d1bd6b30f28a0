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

import pytest

from tests.cli.test_relay_leaf_users import members
from tests.desk_users import dana_an_owner_on_the_leaf, waiting_at_the_stopped_desk
from tests.relay_helpers import paused_between_writes, wait_for

pytestmark = pytest.mark.slow


def test_a_desk_users_no_op_role_change_on_a_lagging_leaf_is_judged_at_the_hubs_head(unix_site):
    with dana_an_owner_on_the_leaf(unix_site) as (hub, leaf, alice, bob, dana, group_id):
        paused_between_writes(leaf, group_id)  # B's relay and its desk: B's file lags
        try:
            alice.ok("role", "team", "carol", "reader")
            assert members(bob).get("carol") == "admin"  # B's copy: alice's change not here
            running = waiting_at_the_stopped_desk(dana, "role", "team", "carol", "admin")
        finally:
            leaf.process.send_signal(signal.SIGCONT)
        out, err = running.communicate(timeout=60)
        assert running.returncode == 0, err
        assert "already" not in err, err
        wait_for(lambda: members(alice).get("carol") == "admin", what="carol an admin at A")
        wait_for(lambda: members(bob).get("carol") == "admin", what="carol an admin on B")
