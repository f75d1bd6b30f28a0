"""A leaf more than a page of membership changes behind judges a no-op role change at the
hub's head all the same (docs/relay.md, "Leftovers of issue 15 closed (h-left15)", item 2).

h-told's head question (relay/hub_head.py) answered at most 1,000 changes: bob on leaf B,
1,002 changes behind, was brought up to the first 1,000 only, and judged "carol is already an
admin: nothing was changed" on that, though the hub's head had made her a reader. Now the
leaf asks again from where each answer left it until it holds the hub's head.

Hub A and leaf B on loopback. alice makes 1,001 changes on the hub (dave's role back and
forth, then carol a reader) through the API `peers role` uses, in this process and in one
transaction; B's relay is stopped (SIGSTOP, not its server) just before its commit and let go
after bob's command, so B's file is 1,001 changes behind when he runs it.
"""

from __future__ import annotations

import signal

import pytest

from peers_tui.core.account import Account
from peers_tui.core.roles import Role
from tests.cli.test_relay_role_race_told import role_of, team  # noqa: F401 - the fixture
from tests.relay_helpers import paused_between_writes, wait_for

pytestmark = pytest.mark.slow

PAGE = 1000  # head_question's page before this (MAX_CHANGES)


def test_a_leaf_more_than_a_page_behind_judges_at_the_hubs_head(team):  # noqa: F811
    (hub, leaf), group_id, alice, bob = team
    dave = hub.user("dave")
    dave.ok("join", alice.ok("invite", "team").out.strip())
    wait_for(lambda: role_of(bob, "dave") == "writer", what="dave on B")
    account = Account(alice.home, alice.hub)
    try:
        with account.personal.session():
            _, store = account.group_store("team")
            dave_id, carol_id = (account.find_member(store, h).user_id for h in ("dave", "carol"))
            with store.session():
                # One transaction (a change a commit took ~10 s for 1,001: each replays the
                # log): none of it at the hub's relay, nor on B, before the commit.
                with store.file.db.atomic():
                    for n in range(PAGE):
                        store.set_role(account.keypair, dave_id,
                                       Role.READER if n % 2 == 0 else Role.WRITER)
                    store.set_role(account.keypair, carol_id, Role.READER)  # past a page
                    # B's relay only (its server passes): B's file lags from the commit on.
                    # Stopped for less than hub_reach.STALE_STATUS (5 s) in all: bob's
                    # command is refused as to a relay that does not run after that.
                    paused_between_writes(leaf, group_id)
    finally:
        account.close()
    try:
        assert role_of(alice, "carol") == "reader"
        assert role_of(bob, "carol") == "admin"  # B's copy: 1,001 changes behind
        made = bob.run("role", "team", "carol", "admin")
    finally:
        leaf.process.send_signal(signal.SIGCONT)
    assert made.code == 0, made.err
    assert "already" not in made.err
    wait_for(lambda: role_of(alice, "carol") == "admin", timeout=30, what="carol an admin at A")
    wait_for(lambda: role_of(bob, "carol") == "admin", timeout=30, what="carol an admin on B")
