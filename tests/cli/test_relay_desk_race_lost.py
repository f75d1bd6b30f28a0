"""Another Unix user of a leaf whose membership change loses a race at the hub gets the
loser's answer, not a traceback (docs/relay.md, "The stale answer bounded (h-stale)", item 3).

dana is another Unix user of leaf B (not the relay's: she cannot read `.relay/` and her copy
of peers has no NATS client); her change reaches the hub through the relay's desk
(relay/desk.py). alice on the hub makes carol a reader while B's relay (and its desk) is
stopped, so B's file lacks that change; dana then makes carol a writer on B's copy (carol an
admin there: a real change, not a no-op), signed against B's old head. At the hub it is
stale: alice's change took that place. The hub's answer carries what B lacks; dana's process
applies it (hub_head.catch_up_stale, without NATS: h-left15 found `stale_changes` importing it
through the hub's sequencer) and makes her change again against the new head.
"""

from __future__ import annotations

import signal
import subprocess

import pytest

from tests import system_helpers as system
from tests.cli.test_relay_leaf_users import leaf_with_users, members, team_with_bob, unix_user
from tests.relay_helpers import blocked, paused_between_writes, wait_for

pytestmark = pytest.mark.slow


def test_a_desk_users_change_that_loses_a_race_at_the_hub_is_made_again_after_the_winner(
        unix_site):
    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        alice, bob, code, group_id = team_with_bob(hub, leaf)
        carol = hub.user("carol")
        carol.ok("join", code)
        dana = unix_user(base, "alice", leaf, unix_site)  # peers-test-alice, not root
        dana.ok("id", "--handle", "dana")
        dana.ok("join", code)
        alice.ok("role", "team", "dana", "owner")  # only an owner changes an admin's role
        alice.ok("role", "team", "carol", "admin")
        wait_for(lambda: members(dana).get("carol") == "admin"
                 and members(dana).get("dana") == "owner", what="the roles on B")
        assert leaf.process is not None
        paused_between_writes(leaf, group_id)  # B's relay and its desk: B's file lags
        try:
            alice.ok("role", "team", "carol", "reader")  # the place dana's change will claim
            assert members(bob).get("carol") == "admin"  # B's copy: alice's change not here
            command = ["setpriv", f"--reuid={dana.account}", f"--regid={dana.account}",
                       "--init-groups", str(system.SYSTEM_PYTHON), "-P", "-m", "peers_tui",
                       "role", "team", "carol", "writer"]  # (as UnixUser.spawn, not waited)
            running = subprocess.Popen(command, env=dana.env(), cwd=dana.site, text=True,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            blocked(running.pid)  # her change signed on B's copy, its question at the stopped desk
        finally:
            leaf.process.send_signal(signal.SIGCONT)
        out, err = running.communicate(timeout=60)
        assert "Traceback" not in err, err
        assert running.returncode == 0, err
        assert "another membership change reached the hub first; done again after that one" \
            in err, err
        wait_for(lambda: members(alice).get("carol") == "writer", what="carol a writer at A")
        wait_for(lambda: members(bob).get("carol") == "writer", what="carol a writer on B")
        alice.ok("verify", "team")


def test_a_desk_users_change_stale_by_more_than_an_answer_holds_is_made_after_the_pages(
        unix_site):
    """The same, B's file 1,500 joins behind (~1.16 MB: h-stale's pages, the stale answer's
    first and the rest asked through the desk; before, the hub could not send its answer)."""
    from tests.cli.test_relay_stale_answer_paged import JOINS, far_behind

    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        alice, bob, code, group_id = team_with_bob(hub, leaf)
        carol = hub.user("carol")
        carol.ok("join", code)
        dana = unix_user(base, "alice", leaf, unix_site)
        dana.ok("id", "--handle", "dana")
        dana.ok("join", code)
        alice.ok("role", "team", "dana", "owner")
        alice.ok("role", "team", "carol", "admin")
        wait_for(lambda: members(dana).get("carol") == "admin"
                 and members(dana).get("dana") == "owner", what="the roles on B")
        assert leaf.process is not None
        try:
            far_behind(hub, leaf, group_id, alice)  # B's relay stopped before their commit
            command = ["setpriv", f"--reuid={dana.account}", f"--regid={dana.account}",
                       "--init-groups", str(system.SYSTEM_PYTHON), "-P", "-m", "peers_tui",
                       "role", "team", "carol", "writer"]
            running = subprocess.Popen(command, env=dana.env(), cwd=dana.site, text=True,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            blocked(running.pid)  # her change signed on B's copy, its question at the stopped desk
        finally:
            leaf.process.send_signal(signal.SIGCONT)
        out, err = running.communicate(timeout=60)
        assert "Traceback" not in err, err
        assert running.returncode == 0, err
        assert "another membership change reached the hub first; done again after that one" \
            in err, err
        wait_for(lambda: members(alice).get("carol") == "writer", what="carol a writer at A")
        wait_for(lambda: len(bob.ok("members", "team", "--json").json()) == 4 + JOINS,
                 timeout=30, what="the joins on B")
        assert members(bob).get("carol") == "writer"
