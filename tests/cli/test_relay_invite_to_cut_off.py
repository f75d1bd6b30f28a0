"""`peers invite --to PERSON` on a host whose own relay is stopped (sixteenth acceptance pass):
with B's relay stopped, bobby's `invite mesh --to dora` said "dora's host D is not heard from
now: this host's relay carries the invitation there when it is", though D was up and it was
B that heard no one. Now it says this host's relay is not running."""

from __future__ import annotations

import pytest

from tests.relay_helpers import team_on_two_hosts, wait_for
from tests.tui.test_relay_people import known_on

pytestmark = pytest.mark.slow


def test_an_invitation_from_a_host_whose_relay_is_stopped_blames_no_other_host(tmp_path):
    with team_on_two_hosts(tmp_path) as ((hub, leaf), alice, bob, code):
        wait_for(lambda: known_on(bob, "alice"), timeout=20, what="alice heard of on B")
        bob.ok("create", "side")
        leaf.stop()
        said = bob.ok("invite", "side", "--to", "alice")
        assert said.err.count("\n") == 1 and "this host's relay is not running" in said.err, said.err
        assert "A is not heard from now" not in said.err, said.err
        assert "alice's host A when it is back" in said.err, said.err
