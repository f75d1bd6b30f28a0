"""`peers relay status --json` of a relay that is not running (tenth acceptance pass): its
object said `"running": false` beside the link and the leaves' links as the relay last wrote
them, `"up": true` when it stopped while linked (SIGTERM writes its last word with the link
still up; SIGKILL leaves its last heartbeat). A script reading `link.up` saw a link where no
relay runs. Not running, no link is up: each is down since the relay's last word, and the
one-line refusals that say how long the hub has been out of reach stay as they were."""

from __future__ import annotations

import json
import re
import signal
import time

import pytest

from tests.relay_helpers import wait_for


def stopped_status(host) -> dict:
    result = host.peers().run("relay", "status", "--json")
    assert result.code == 3, result  # not running (LSB), the object still printed
    return json.loads(result.out)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["term", "kill"])
def test_no_link_is_up_where_no_relay_runs(hosts, sig):
    hub, leaf = hosts
    hub.start()
    leaf.start()
    wait_for(lambda: leaf.link_up() and hub.status().get("leaves", {}).get("B", {}).get("up"),
             what="the link up on both sides")
    leaf.stop(sig)
    # after SIGKILL the heartbeat stays fresh for up to 5 s: wait for "not running"
    wait_for(lambda: not leaf.status().get("running"), timeout=10, what="the leaf not running")
    status = stopped_status(leaf)
    assert status["link"]["up"] is False, status["link"]
    assert status["link"]["since"] == pytest.approx(status["last_seen"]), status
    assert not leaf.link_up()
    leaf.start()  # linked again, then the hub's relay stops under it
    wait_for(lambda: hub.status().get("leaves", {}).get("B", {}).get("up"), what="B up again")
    hub.stop(sig)
    wait_for(lambda: not hub.status().get("running"), timeout=10, what="the hub not running")
    status = stopped_status(hub)
    assert status["link"]["up"] is False and status["leaves"], status
    assert not any(link["up"] for link in status["leaves"].values()), status["leaves"]
    assert time.time() - status["last_seen"] < 60


def test_a_leaf_stopped_while_linked_still_says_how_long_the_hub_was_out_of_reach(hosts):
    """The membership commands' line counts from the relay's last word, not from when the link
    came up (what `since` held while it was up)."""
    hub, leaf = hosts
    alice = hub.user("alice")
    alice.ok("create", "team")
    code = alice.ok("invite", "team").out.strip()
    hub.start()
    leaf.start()
    bob = leaf.user("bob")
    wait_for(leaf.link_up, what="the leaf's link")  # a join needs the hub (fresh CI: "0s")
    bob.ok("join", code)
    time.sleep(2.5)  # the link up for a while: its `since` well before the stop
    leaf.stop()
    refused = bob.run("role", "team", "alice", "reader")
    assert refused.code != 0, refused
    line = refused.err.strip()
    assert "\n" not in line and re.search(r"relay is not running \(the hub A unreachable for (<1|[1-4])s\)",
                                         line), line
