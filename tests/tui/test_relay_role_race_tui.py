"""`/role` in the app of a leaf's user, when the change would change nothing on this host's
copy (h-told): judged against the hub's membership head first (relay.hub_head), and said to
be judged on this host's copy when the hub cannot be asked. Hub A (alice, carol), leaf B
(bob, an owner), real relays on loopback; Pilot on bob's app."""

from __future__ import annotations

import asyncio
import signal

import pytest

from peers_tui.widgets import Composer
from tests.cli.test_relay_role_race_told import role_of, roles_on_two_hosts
from tests.relay_helpers import paused_between_writes
from tests.relay_helpers import wait_for as wait_until
from tests.tui_helpers import make_app, type_text, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def team(tmp_path, hub_order):
    with roles_on_two_hosts(tmp_path) as made:  # the CLI test's set-up
        yield made


def said(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def role_carol_admin(pilot, app) -> None:
    await type_text(pilot, "/role carol admin")
    await pilot.press("enter")
    await wait_for(pilot, lambda: any("carol" in line for line in said(app)), timeout=20)


async def test_the_app_judges_a_change_that_changes_nothing_here_at_the_hubs_head(team):
    (hub, leaf), group_id, alice, bob = team
    app = make_app(bob, "team")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screen.query(Composer), timeout=10)
        paused_between_writes(leaf, group_id)  # B's file lags the hub's
        try:
            await asyncio.to_thread(alice.ok, "role", "team", "carol", "reader")
            await role_carol_admin(pilot, app)
        finally:
            leaf.process.send_signal(signal.SIGCONT)
        assert not any("already" in line for line in said(app)), said(app)
    assert role_of(alice, "carol") == "admin"


async def test_with_the_hub_unreachable_the_app_says_it_judged_on_this_hosts_copy(team):
    (hub, leaf), _, _, bob = team
    hub.stop()
    await asyncio.to_thread(wait_until, lambda: not leaf.link_up(), what="B offline")
    app = make_app(bob, "team")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screen.query(Composer), timeout=10)
        await role_carol_admin(pilot, app)
    assert said(app) == ["carol is already an admin (as this host's copy says: the hub cannot"
                         " be asked now): nothing was changed"], said(app)
