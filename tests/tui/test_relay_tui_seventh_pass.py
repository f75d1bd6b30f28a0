"""What the seventh acceptance pass of issue 15 met in the app (docs/relay.md "Acceptance from
the CLI, seventh pass"). Real relays and nats-servers on loopback; the app driven with Pilot."""

from __future__ import annotations

import pytest

from tests.relay_helpers import bodies, team_on_two_hosts
from tests.relay_helpers import wait_for as wait_until
from tests.tui_helpers import make_app, wait_for


@pytest.mark.slow
async def test_an_open_log_drops_what_a_cut_made_void(tmp_path):
    """bob's app open on leaf B while B's relay is stopped: he posts and deletes one of his
    earlier messages; alice on the hub demotes him to reader meanwhile. When B's relay is
    back, the demotion's cut makes both records void and the relay takes them out of B's file
    (`relay/voided.py`): `peers log` no longer shows the post and shows the earlier message
    again. The open log kept the void post, and the earlier message as deleted, until the
    group was opened again."""
    from peers_tui.widgets import MessageLog

    with team_on_two_hosts(tmp_path) as ((hub, leaf), alice, bob, code):
        wait_until(lambda: leaf.status().get("received") is not None, what="B's status")
        wait_until(lambda: bob.spawn("join", code).code == 0, what="bob's join")
        kept = bob.ok("send", "team", "said before the cut").out.strip()
        wait_until(lambda: "said before the cut" in bodies(alice), what="bob's message on A")
        app = make_app(bob, "team")
        async with app.run_test(size=(120, 40)) as pilot:
            log = app.screen.query_one(MessageLog)

            def shown() -> list[str]:
                return [view.body for view in log.views]

            def kept_deleted() -> bool | None:  # as the open log shows bob's earlier message
                return next((view.deleted for view in log.views if view.id == kept), None)
            await wait_for(pilot, lambda: kept_deleted() is False)
            leaf.stop()
            bob.ok("send", "team", "posted while cut off")
            bob.ok("delete", "team", kept)
            await wait_for(pilot, lambda: "posted while cut off" in shown(), timeout=10)
            await wait_for(pilot, lambda: kept_deleted() is True, timeout=10)
            assert alice.spawn("role", "team", "bob", "reader").code == 0
            leaf.start()
            wait_until(lambda: "posted while cut off" not in bodies(bob), timeout=30,
                       what="the void post taken out of B's file")
            assert "said before the cut" in bodies(bob)  # its void deletion went with it
            await wait_for(pilot, lambda: "posted while cut off" not in shown(), timeout=10)
            await wait_for(pilot, lambda: kept_deleted() is False, timeout=10)
