"""The relay taking the newest row out of a group file is no file put back (docs/relay.md
"Restored files, second round (h-restore2)").

core.file_mark tells a reader following a file by rowid that the file was put back or
replaced (its newest rowid below the reader's position, or another message there). The relay
takes newest rows out too (relay.deleted_tops: here a post a removal's cut made void), and
the app said "team's file was replaced: history reloaded" of a file nobody replaced. The
relay now notes its deletions (core.relay_notes: `<hub>/.relay-notes/`, not the file
since h-relaynotes); the app reads the log again without that notice.

Hub A (alice) and leaf B (bob, carol): real relays and nats-servers; carol's app with Pilot."""

from __future__ import annotations

import pytest

from tests.relay_helpers import bodies, federation, stop_all, team_joined_on_two_hosts
from tests.relay_helpers import wait_for as wait_until
from tests.tui_helpers import log_bodies, make_app, wait_for

REPLACED = "team's file was replaced"


@pytest.mark.slow
async def test_a_post_the_relay_takes_out_is_not_told_as_a_file_replaced(tmp_path):
    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, bob = team_joined_on_two_hosts(hub, leaf, spawn=True)
        carol = leaf.user("carol")
        assert carol.spawn("join", alice.ok("invite", "team").out.strip()).code == 0
        bob.ok("send", "team", "before")
        wait_until(lambda: "before" in bodies(alice), what="bob's first post on A")
        leaf.stop()  # B cut off: bob posts, and alice removes him meanwhile on A
        bob.ok("send", "team", "void-me")
        assert alice.spawn("remove", "team", "bob").code == 0

        app = make_app(carol, "team")
        notices: list[str] = []
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: "void-me" in log_bodies(app))
            leaf.start()  # the removal arrives: bob's post after its cut is taken out of B's file
            await wait_for(pilot, lambda: notices.extend(n.message for n in app._notifications)
                           or "void-me" not in log_bodies(app), timeout=30)
            carol.ok("send", "team", "after")  # the feed goes on from the file as it is
            await wait_for(pilot, lambda: notices.extend(n.message for n in app._notifications)
                           or "after" in log_bodies(app), timeout=15)
            await pilot.pause(0.5)
            notices.extend(n.message for n in app._notifications)
            shown = log_bodies(app)
        assert "void-me" not in bodies(carol) and shown == bodies(carol)[-len(shown):]
        assert not [n for n in notices if REPLACED in n], notices
    finally:
        stop_all(hosts)
