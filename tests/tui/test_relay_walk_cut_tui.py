"""A removal made in the app on a host whose join's walk has met nothing of the member yet
(docs/relay.md, "Removal during a join's walk, second round"): the app's `/remove` goes
through, cut at the member's newest record as the hub holds it (before: refused with "bob's
messages have not reached this host yet"). The three hosts of
tests/cli/test_relay_walk_cut_unmet.py: real relays and nats-servers; the app driven with Pilot."""

from __future__ import annotations

import asyncio

import pytest

from peers_tui.screens.confirm import ConfirmScreen
from tests.cli.test_relay_walk_cut_unmet import bobs_head, cut_of_removal, mid_walk
from tests.tui_helpers import make_app, type_text, wait_for

pytestmark = [pytest.mark.slow]


def handles(user) -> list[str]:  # noqa: ANN001
    return [m["handle"] for m in user.ok("members", "team", "--json").json()]


async def test_the_apps_remove_mid_walk_cuts_at_the_hubs_head(tmp_path, monkeypatch):
    # The setup runs `peers join`, which runs its own event loop: on a thread of its own.
    hosts_held = mid_walk(tmp_path, monkeypatch)
    hosts, group_id, _ = await asyncio.to_thread(hosts_held.__enter__)
    try:
        hub, _, c = hosts
        carol = c.users["carol"]
        app = make_app(carol, "team")
        async with app.run_test(size=(120, 30), notifications=True) as pilot:
            await type_text(pilot, "/remove bob")
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            await wait_for(pilot, lambda: "bob" not in handles(carol) or any(
                "reached this host" in n.message for n in app._notifications), timeout=30)
            told = [n.message for n in app._notifications]
        assert "bob" not in handles(carol), told
        assert cut_of_removal(c.hub / f"{group_id}.db") == bobs_head(hub.hub / f"{group_id}.db")
    finally:
        await asyncio.to_thread(hosts_held.__exit__, None, None, None)
