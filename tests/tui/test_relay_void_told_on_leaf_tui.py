"""A leaf's app says its user's posts a cut voided in the hub's words, and marks them apart
from the messages the hub refused (docs/relay.md, "Leftovers of issue 15 closed (h-left15)",
item 1; the scenario and the CLI's words: tests/cli/test_relay_void_told_on_leaf.py).

Before, erin's app on leaf B read `· 3 refused by the hub` for posts alice's removal voided
(the hub's own users read `3 void: cut off before they were seen` for the same, h-told), and
its log marked a void post `✗` as a refused one.
"""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest

from peers_tui.core.link_state import GroupSync, LinkState, write_link_state
from peers_tui.widgets.message_render import REFUSED_MARK, VOID_MARK
from peers_tui.widgets.topic_bar import TopicBar
from tests.cli.test_relay_void_told_on_leaf import VOID, erin_voided_on_leaf
from tests.tui_helpers import make_app, screen_text
from tests.tui_helpers import wait_for as wait_on_screen


@pytest.fixture
def erin_voided(tmp_path):
    """Set up outside the test's event loop (the scenario: the CLI test's)."""
    with erin_voided_on_leaf(tmp_path) as (_, _, bob, erin):
        yield bob, erin


def line_of(app) -> str:
    return app.screen.query_one(TopicBar).title_text().plain if app.screen.query(TopicBar) else ""


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("faketime") is None, reason="needs faketime")
async def test_the_leaf_users_app_says_their_posts_were_voided_not_refused(erin_voided):
    bob, erin = erin_voided
    app = make_app(erin, "team")
    async with app.run_test(size=(120, 24)) as pilot:
        await wait_on_screen(pilot, lambda: line_of(app).endswith(f" · {VOID}"), timeout=15)
        assert "refused" not in line_of(app), line_of(app)
    app = make_app(bob, "team")  # his, refused for its clock, keep their words
    async with app.run_test(size=(120, 24)) as pilot:
        await wait_on_screen(pilot, lambda: line_of(app).endswith(" · 1 refused by the hub"),
                             timeout=15)


async def test_a_void_post_is_marked_apart_from_a_refused_one(alice, bob, team):
    """The marks as the relay's `.link.json` lists them (written with the relay's own writer):
    one of alice's messages refused by the hub, one void by a cut."""
    alice.ok("send", "team", "refused for its clock")
    alice.ok("send", "team", "cut off before it was seen")
    alice.ok("send", "team", "went out")
    ids = {m["body"]: m["id"] for m in alice.ok("log", "team", "--json").json()}
    refused = (ids["refused for its clock"], ids["cut off before it was seen"])
    (alice.hub / ".relay").mkdir(mode=0o700)
    me = json.loads(alice.ok("id", "--json").out)["id"]
    sync = GroupSync(sent=10**6, refused=2, refused_ids=refused, refused_by=((me, 2),), void=1,
                     void_ids=refused[1:], void_by=((me, 1),))
    write_link_state(alice.hub, LinkState(host="B", role="leaf", pid=os.getpid(), running=True,
                                          updated=time.time(), up=True, since=time.time() - 72,
                                          rtt_ms=2.2, to="A", groups={team: sync}))
    app = make_app(alice, "team")
    async with app.run_test(size=(110, 24)) as pilot:
        def marked(mark: str) -> list[str]:
            return [line for line in screen_text(app).splitlines() if mark in line]
        await wait_on_screen(pilot, lambda: marked(VOID_MARK) and marked(REFUSED_MARK))
        [void], [refusal] = marked(VOID_MARK), marked(REFUSED_MARK)
        assert "cut off before it was seen" in void and "refused for its clock" in refusal
        assert not any("went out" in line for line in marked(VOID_MARK) + marked(REFUSED_MARK))
        assert line_of(app).endswith(" · 1 refused by the hub · 1 void: cut off before they were"
                                     " seen")
