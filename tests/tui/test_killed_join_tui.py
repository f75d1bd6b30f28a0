"""The app after a `peers join` killed (SIGKILL) once its fetched file was in the hub
(docs/relay.md, "Leftovers, sixth round"): the half-done group is not in the buffer list;
the app's /join with the code revoked meanwhile is one notification and the file the killed
join fetched goes; a good code then joins. Real relays and nats-servers on loopback."""

from __future__ import annotations

import time

import pytest

from tests.cli.test_relay_join_killed import killed_after_fetch, team_id
from tests.relay_helpers import hub_killed_and_back, team_on_two_hosts
from tests.tui.test_refused_join_tui import join, listed, told
from tests.tui_helpers import make_app, wait_for

pytestmark = [pytest.mark.slow]


async def test_the_app_after_a_killed_join(tmp_path):
    with team_on_two_hosts(tmp_path) as ((hub, leaf), alice, bob, code):
        team = team_id(alice)
        killed_after_fetch(hub, leaf, bob, code, team)
        hub_killed_and_back(hub, leaf)  # the dead join's request never ordered
        alice.ok("invite", "team", "--revoke", code)
        good = alice.ok("invite", "team").out.strip()
        time.sleep(1)  # the revocation reaches B's file (as in the CLI test)
        app = make_app(bob, "personal")
        async with app.run_test(size=(140, 30)) as pilot:
            await wait_for(pilot, lambda: app.is_idle)
            assert not any("team" in line for line in listed(app)), listed(app)
            await join(pilot, code)
            await wait_for(pilot, lambda: told(app, "revoked") is not None, timeout=30)
            assert not any("team" in line for line in listed(app)), listed(app)
            assert not list(leaf.hub.glob(f"{team}.db*"))  # the killed join's file went
            await join(pilot, good)
            await wait_for(pilot, lambda: any("team" in line for line in listed(app)), timeout=30)
