"""The app of a leaf's user marks a message the hub refused (docs/relay.md, "The hub's
refusals told to the sender (h-refusedback)"): carol on leaf C posts with her clock 26 h
ahead; hub A refuses it and tells C; her open log marks it `✗` (not the `⋯` of a message
on its way), and the topic bar's link says `1 refused by the hub`. Three hosts, real relays."""

from __future__ import annotations

import shutil

import pytest

from peers_tui.widgets.message_render import REFUSED_MARK, UNSENT_MARK
from peers_tui.widgets.topic_bar import TopicBar
from tests.cli.test_relay_refused_back import send_ahead
from tests.relay_helpers import bodies, three_hosts
from tests.relay_helpers import wait_for as wait_until
from tests.tui_helpers import make_app, screen_text, wait_for

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("faketime") is None, reason="needs faketime")]


@pytest.fixture
def three(tmp_path):
    with three_hosts(tmp_path) as made:  # (outside the test's event loop: joins run here)
        yield made


def lines_with(app, mark: str) -> list[str]:
    return [line for line in screen_text(app).splitlines() if mark in line]


async def test_the_app_marks_a_message_the_hub_refused(three):
    (hub, b, c), _ = three
    carol = c.users["carol"]
    app = make_app(carol, "team")
    async with app.run_test(size=(110, 24)) as pilot:
        await wait_for(pilot, lambda: "welcome" in screen_text(app), timeout=10)
        send_ahead(carol, "from tomorrow")
        wait_until(lambda: c.status().get("refused_at_hub") == 1, what="C told of the refusal")
        await wait_for(pilot, lambda: any("from tomorrow" in line
                                          for line in lines_with(app, REFUSED_MARK)), timeout=10)
        assert not lines_with(app, UNSENT_MARK)
        assert not any("welcome" in line for line in lines_with(app, REFUSED_MARK))
        await wait_for(pilot, lambda: "1 refused by the hub" in
                       app.screen.query_one(TopicBar).title_text().plain, timeout=10)
        assert "from tomorrow" not in bodies(hub.users["alice"])


@pytest.fixture
def three_and_erin(tmp_path):
    """As `three`, with erin, a second user of leaf C, a member of 'team' too."""
    with three_hosts(tmp_path) as made:
        (hub, _, c), _ = made
        erin = c.user("erin")
        erin.ok("id", "--handle", "erin")
        code = hub.users["alice"].ok("invite", "team").out.strip()
        # made on A a moment ago: C's join says "not arrived yet, try again" until it is there
        wait_until(lambda: erin.run("join", code).code == 0, what="erin's join on C")
        yield made


async def test_another_users_refused_message_is_not_in_the_apps_link_line(three_and_erin):
    """Seventeenth acceptance pass: hal's 25 posts voided by the cut read "25 refused by the
    hub" at the top of carol's app, in every group, for good. The link line counts the
    records of the app's own user (core.link_state.GroupSync.refused_for)."""
    (hub, b, c), _ = three_and_erin
    carol, erin = c.users["carol"], c.users["erin"]
    app = make_app(erin, "team")
    async with app.run_test(size=(110, 24)) as pilot:
        await wait_for(pilot, lambda: "welcome" in screen_text(app), timeout=10)
        send_ahead(carol, "from tomorrow")
        wait_until(lambda: c.status().get("refused_at_hub") == 1, what="C told of the refusal")
        await wait_for(pilot, lambda: "from tomorrow" in screen_text(app), timeout=10)
        await pilot.pause(2.5)  # the link line's ticks (1 s) after .link.json said so
        title = app.screen.query_one(TopicBar).title_text().plain
        assert "⇅ hub ✓" in title and "refused" not in title, title
