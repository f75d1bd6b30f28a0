"""The app on a leaf whose relay moved its client port at start (another program held it;
tests/cli/test_relay_port_taken.py has the CLI's side): `/join CODE` fetches the group through
the relay and asks the hub to order the join, both on the port the relay stored
(relay.fetch, relay.ordering read the config at each call). Before, the relay did not start."""

from __future__ import annotations

import pytest

from peers_tui.core import membership_order
from peers_tui.cli.relay import _order_on_leaf
from peers_tui.messages import JoinGroup
from peers_tui.relay.config import load_config
from tests.cli.test_relay_port_taken import holder
from tests.relay_helpers import federation, start_linked, stop_all
from tests.tui_helpers import log_bodies, make_app, wait_for


@pytest.fixture
def hub_order():
    membership_order.install(_order_on_leaf)  # what `peers` does before it starts the app
    yield
    membership_order.install(None)


@pytest.mark.slow
async def test_join_in_the_app_reaches_a_relay_that_moved_its_client_port(tmp_path, hub_order):
    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, bob = hub.user("alice"), leaf.user("bob")
        alice.ok("create", "team")
        alice.ok("send", "team", "hello from A")
        code = alice.ok("invite", "team").out.strip()
        before = load_config(leaf.hub).client_port
        with holder(before, listening=True):
            start_linked(hosts)
            assert load_config(leaf.hub).client_port != before
            app = make_app(bob)
            async with app.run_test(size=(120, 40)) as pilot:
                app.post_message(JoinGroup(code))
                await wait_for(pilot, lambda: "hello from A" in log_bodies(app), timeout=30)
        members = {m["handle"] for m in alice.ok("members", "team", "--json").json()}
        assert members == {"alice", "bob"}
    finally:
        stop_all(hosts)
