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

import pytest

from tests.cli.test_relay_leaf_users import members
from tests.desk_users import dana_an_owner_on_the_leaf, waiting_at_the_stopped_desk
from tests.relay_helpers import paused_between_writes, wait_for

pytestmark = pytest.mark.slow


def made_again_after_the_winner(running, alice) -> None:
    """dana's command ended well, telling her that her change was made again after the one
    that took its place, and carol is a writer at the hub."""
    out, err = running.communicate(timeout=60)
    assert "Traceback" not in err, err
    assert running.returncode == 0, err
    assert "another membership change reached the hub first; done again after that one" in err, err
    wait_for(lambda: members(alice).get("carol") == "writer", what="carol a writer at A")


def test_a_desk_users_change_that_loses_a_race_at_the_hub_is_made_again_after_the_winner(
        unix_site):
    with dana_an_owner_on_the_leaf(unix_site) as (hub, leaf, alice, bob, dana, group_id):
        paused_between_writes(leaf, group_id)  # B's relay and its desk: B's file lags
        try:
            alice.ok("role", "team", "carol", "reader")  # the place dana's change will claim
            assert members(bob).get("carol") == "admin"  # B's copy: alice's change not here
            running = waiting_at_the_stopped_desk(dana, "role", "team", "carol", "writer")
        finally:
            leaf.process.send_signal(signal.SIGCONT)
        made_again_after_the_winner(running, alice)
        wait_for(lambda: members(bob).get("carol") == "writer", what="carol a writer on B")
        alice.ok("verify", "team")


def test_a_desk_users_change_stale_by_more_than_an_answer_holds_is_made_after_the_pages(
        unix_site):
    """The same, B's file 1,500 joins behind (~1.16 MB: h-stale's pages, the stale answer's
    first and the rest asked through the desk; before, the hub could not send its answer)."""
    from tests.cli.test_relay_stale_answer_paged import JOINS, far_behind

    with dana_an_owner_on_the_leaf(unix_site) as (hub, leaf, alice, bob, dana, group_id):
        try:
            far_behind(hub, leaf, group_id, alice)  # B's relay stopped before their commit
            running = waiting_at_the_stopped_desk(dana, "role", "team", "carol", "writer")
        finally:
            leaf.process.send_signal(signal.SIGCONT)
        made_again_after_the_winner(running, alice)
        wait_for(lambda: len(bob.ok("members", "team", "--json").json()) == 4 + JOINS,
                 timeout=30, what="the joins on B")
        assert members(bob).get("carol") == "writer"
