"""The app's /join with a code used up after the relay fetched its group (docs/relay.md,
"Leftovers, fifth round"): the refusal is a notification, the group is not in the buffer
list, and its fetched file does not stay in the hub; a good code then joins and opens it.
Real relays and nats-servers on loopback; the app driven with Pilot."""

from __future__ import annotations

import asyncio

import pytest

from peers_tui.widgets.buffer_list import BufferList
from tests.relay_helpers import team_on_two_hosts
from tests.tui_helpers import make_app, type_text, wait_for

pytestmark = [pytest.mark.slow]


def told(app, text: str) -> str | None:  # noqa: ANN001
    return next((n.message for n in app._notifications if text in n.message), None)


def listed(app) -> list[str]:  # noqa: ANN001
    widget = app.chat.query_one(BufferList)
    return [widget.render_line(y).text.strip() for y in range(len(widget.summaries))]


async def join(pilot, code: str) -> None:  # noqa: ANN001
    await type_text(pilot, f"/join {code}")
    await pilot.press("enter")


async def test_a_refused_join_in_the_app_leaves_no_group_behind(tmp_path):
    with team_on_two_hosts(tmp_path) as ((hub, leaf), alice, bob, code):
        team = next(g["id"] for g in alice.ok("groups", "--json").json() if g["name"] == "team")
        hub.user("dave").ok("join", code)  # bob's code is used up before he tries it
        good = alice.ok("invite", "team").out.strip()
        app = make_app(bob, "personal")
        async with app.run_test(size=(140, 30)) as pilot:
            await wait_for(pilot, lambda: app.is_idle)
            await join(pilot, code)
            await wait_for(pilot, lambda: told(app, "used up") is not None, timeout=30)
            assert not any("team" in line for line in listed(app)), listed(app)
            assert not list(leaf.hub.glob(f"{team}.db*"))  # the fetched file went
            await join(pilot, good)
            await wait_for(pilot, lambda: any("team" in line for line in listed(app)), timeout=30)
        assert list(leaf.hub.glob(f"{team}.db"))
        assert [g["name"] for g in await asyncio.to_thread(
            lambda: bob.ok("groups", "--json").json())] == ["personal", "team"]
