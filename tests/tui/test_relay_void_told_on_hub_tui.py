"""The app of a hub's user whose posts a leaf's removal voided (h-told): the link line says
`3 void: cut off before they were seen`, as `peers groups` does (the scenario and how it
failed before: tests/cli/test_relay_void_told_on_hub.py). Real relays on loopback; Pilot on
erin's app on the hub host."""

from __future__ import annotations

import signal

import pytest

from peers_tui.widgets.topic_bar import TopicBar
from tests.relay_helpers import (
    bodies, federation, paused_between_writes, start_linked, stop_all, wait_for,
)
from tests.tui_helpers import make_app
from tests.tui_helpers import wait_for as wait_on_screen

pytestmark = pytest.mark.slow

POSTS = ["unseen 1", "unseen 2", "unseen 3"]


@pytest.fixture
def erin_voided(tmp_path):
    """erin on the hub A posts 3 while B's relay is stopped; bob (an admin on B) removes her
    by a change whose cut had not seen them. Set up outside the test's event loop."""
    hosts = federation(tmp_path)
    hub, leaf = hosts
    try:
        alice, erin, bob = hub.user("alice"), hub.user("erin"), leaf.user("bob")
        team = alice.ok("create", "team").out.strip()
        erin.ok("join", alice.ok("invite", "team").out.strip())
        code = alice.ok("invite", "team").out.strip()
        start_linked(hosts)
        wait_for(lambda: bob.run("join", code).code == 0, what="bob's join")
        alice.ok("role", "team", "bob", "admin")
        erin.ok("send", "team", "seen by bob")
        wait_for(lambda: "seen by bob" in bodies(bob), what="erin's first post on B")
        paused_between_writes(leaf, team)
        try:
            for body in POSTS:
                erin.ok("send", "team", body)
            wait_for(lambda: hub.status()["unsent"] == 0, what="erin's posts out of A")
            wait_for(lambda: bob.run("remove", "team", "erin").code == 0, what="the removal")
        finally:
            leaf.process.send_signal(signal.SIGCONT)
        wait_for(lambda: not set(POSTS) & set(bodies(alice)), what="erin's posts void on A")
        yield erin
    finally:
        stop_all(hosts)


async def test_the_hub_users_app_says_their_posts_were_voided(erin_voided):
    app = make_app(erin_voided, "team")
    async with app.run_test(size=(120, 24)) as pilot:
        told = "⇅ hub ✓ · 3 void: cut off before they were seen"
        await wait_on_screen(pilot, lambda: app.screen.query(TopicBar) and app.screen.query_one(
            TopicBar).title_text().plain.endswith(told), timeout=15)
