"""The app of a hub's user whose posts a leaf's removal voided (h-told): the link line says
`3 void: cut off before they were seen`, as `peers groups` does (the scenario and how it
failed before: tests/cli/test_relay_void_told_on_hub.py). Real relays on loopback; Pilot on
erin's app on the hub host."""

from __future__ import annotations


import pytest

from peers_tui.widgets.topic_bar import TopicBar
from tests.cli.test_relay_void_told_on_hub import erin_voided_on_hub
from tests.tui_helpers import make_app
from tests.tui_helpers import wait_for as wait_on_screen

pytestmark = pytest.mark.slow


@pytest.fixture
def erin_voided(tmp_path):
    """Set up outside the test's event loop (the scenario: the CLI test's)."""
    with erin_voided_on_hub(tmp_path) as (_, _, erin, _):
        yield erin


async def test_the_hub_users_app_says_their_posts_were_voided(erin_voided):
    app = make_app(erin_voided, "team")
    async with app.run_test(size=(120, 24)) as pilot:
        told = "⇅ hub ✓ · 3 void: cut off before they were seen"
        await wait_on_screen(pilot, lambda: app.screen.query(TopicBar) and app.screen.query_one(
            TopicBar).title_text().plain.endswith(told), timeout=15)
