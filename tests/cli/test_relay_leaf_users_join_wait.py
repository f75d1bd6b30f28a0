"""Another Unix user's join on a leaf that holds the group waits for an invite on its way
(docs/relay.md, "Joins waited for, second round (h-joinwait2)").

As in test_relay_leaf_users.py: the relays run as the test's user (root) and own
`<hub>/.relay/` (0700); dana is a real Unix user of B's hub group, running her own copy of
peers (no NATS) through setpriv, who reaches the hub through B's relay's desk. bob (the
relay's own user) is a member of 'team' on B, so B holds the group and dana's join fetches
nothing: it reads the code's invite from B's file. alice imports 5,000 messages on hub A and
makes a code at once: its invite reaches B behind them (chain_order.py). The relay's own
user waited for it (invite_transit.py); dana was refused at once, "... not known to the
group here ... (try again in a few seconds)". Now the desk asks the hub for her
(desk_joins.py, "transit"), and a code no host knows still ends at once for her too.
"""

from __future__ import annotations

import json
import os
import time

import pytest

from peers_tui.core.encoding import b32
from peers_tui.core.invites import PREFIX
from peers_tui.core.link_state import read_link_state
from tests.cli.test_relay_leaf_users import leaf_with_users, team_with_bob, unix_user
from tests.relay_helpers import wait_for

pytestmark = pytest.mark.slow

IMPORTED = 5_000


def test_another_unix_users_join_waits_for_an_invite_in_transit_and_ends_at_once_if_unknown(
        unix_site):
    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        alice, bob, _, group_id = team_with_bob(hub, leaf)  # B holds 'team' from now on
        dana = unix_user(base, "alice", leaf, unix_site)  # peers-test-alice, not root
        dana.ok("id", "--handle", "dana")
        wait_for(lambda: (state := read_link_state(leaf.hub)) is not None and state.up
                 and state.answers(), timeout=30, what="B's link file: up")
        wait_for(lambda: hub.status().get("unsent") == 0, timeout=60, what="A all sent")
        wrong = f"{PREFIX}:{group_id}:{b32(os.urandom(32))}"  # a secret nobody invited with
        began = time.monotonic()
        refused = dana.spawn("join", wrong)
        took = time.monotonic() - began
        print(f"unknown: refused in {took:.1f} s: {refused.err.strip()}")
        assert refused.code != 0 and "Traceback" not in refused.err, refused.err
        assert len(refused.err.strip().splitlines()) == 1, refused.err
        assert took < 4, (took, refused.err)
        lines = "".join(json.dumps({"id": f"m{i}", "author": "old", "body": f"old {i}",
                                    "created_at": 1_700_000_000 + i}) + "\n"
                        for i in range(IMPORTED))
        alice.ok("import", "team", "-", stdin=lines)
        code = alice.ok("invite", "team").out.strip()
        began = time.monotonic()
        joined = dana.spawn("join", code, timeout=120)
        print(f"in transit: join took {time.monotonic() - began:.1f} s: {joined.err.strip()}")
        assert joined.code == 0, joined.err
        assert "team" in dana.ok("groups").out
