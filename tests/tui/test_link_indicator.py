"""The link as the leaf's user sees it, with a real relay pair on loopback (Pilot on the leaf's
app): the indicator up, then offline with the unsent count once the hub's relay stops; the
reader's messages marked until they reach the hub; the note when earlier messages arrive."""

from __future__ import annotations

import time

import pytest

from peers_tui.widgets.message_render import UNSENT_MARK
from peers_tui.widgets.topic_bar import TopicBar
from tests.relay_helpers import bodies, team_joined_on_two_hosts
from tests.relay_helpers import wait_for as wait_until
from tests.tui_helpers import make_app, screen_text, type_text, wait_for


def link_text(app) -> str:
    return app.screen.query_one(TopicBar).title_text().plain


def marked(app) -> list[str]:
    return [line for line in screen_text(app).splitlines() if UNSENT_MARK in line]


def earlier_note(app) -> str:
    bar = app.screen.query("#earlier")
    return str(bar.first().render()) if bar and bar.first().has_class("-visible") else ""


@pytest.mark.slow
@pytest.mark.serial
async def test_the_leaf_sees_its_link_its_unsent_messages_and_late_arrivals(hosts):
    hub, leaf = hosts
    alice, bob = team_joined_on_two_hosts(hub, leaf, spawn=True)  # the test runs its own loop
    alice.ok("send", "team", "hello from A")
    wait_until(lambda: "hello from A" in bodies(bob), what="A's message on B")

    app = make_app(bob, "team")
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_for(pilot, lambda: "⇅ hub ✓" in link_text(app) and " ms" in link_text(app),
                       timeout=10)
        assert not marked(app)

        hub.stop()  # the hub's relay goes: the leaf is offline, counting
        await wait_for(pilot, lambda: "⇅ offline " in link_text(app), timeout=10)
        await type_text(pilot, "written offline")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("written offline" in line for line in marked(app)))
        await wait_for(pilot, lambda: link_text(app).endswith("· 1 unsent"), timeout=5)
        # The time counts on screen while nothing is written.
        first = link_text(app)
        await wait_for(pilot, lambda: link_text(app) != first, timeout=5)

        # Meanwhile A writes, then B: A's messages sort before everything B shows.
        for number in range(5):
            alice.ok("send", "team", f"late {number}")
        for number in range(30):
            bob.ok("send", "team", f"filler {number}")
        await wait_for(pilot, lambda: link_text(app).endswith("· 31 unsent"), timeout=10)
        assert any("filler 29" in line for line in marked(app))
        assert earlier_note(app) == ""

        hub.start()  # back: everything is sent, the marks go, A's messages come in above
        await wait_for(pilot, lambda: link_text(app).startswith(" team") and "⇅ hub ✓"
                       in link_text(app) and "unsent" not in link_text(app), timeout=20)
        await wait_for(pilot, lambda: not marked(app), timeout=10)
        await wait_for(pilot, lambda: "5 earlier messages arrived from A" in earlier_note(app),
                       timeout=20)
        assert "late 4" not in screen_text(app).splitlines()[-1]
        await pilot.pause(1.5)  # ticks go by: out of sight, the note stays
        assert "5 earlier messages arrived from A" in earlier_note(app)
        await pilot.press("pageup")  # the user goes there: the note has been read
        await wait_for(pilot, lambda: earlier_note(app) == "", timeout=10)

        # Sent while the link is up: marked only for the moment it takes to reach the hub.
        await pilot.press("end")
        await type_text(pilot, "while up")
        started = time.monotonic()
        await pilot.press("enter")
        await wait_for(pilot, lambda: "while up" in screen_text(app), timeout=5)
        await wait_for(pilot, lambda: not marked(app), timeout=3)
        print(f"unsent mark gone {1000 * (time.monotonic() - started):.0f} ms after Enter")
