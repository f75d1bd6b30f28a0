"""A leaf whose token was revoked takes a new one (found on a fresh pair of hosts set up from
the README): `peers relay init --leaf TOKEN` on a leaf set up before said "a relay is already
set up ... (remove .relay to start over)", i.e. throw away its positions and what it knows
was sent. It now takes the new token's credentials and keeps the rest, and a running leaf
relay takes it within a second (its nats-server restarted, as the hub's is for a token); a
token of another host or hub is still refused in one line, the config untouched."""

from __future__ import annotations

import pytest

from peers_tui.relay.config import config_path
from peers_tui.relay.link import REFUSED
from tests.relay_helpers import bodies, team_on_two_hosts, wait_for

pytestmark = pytest.mark.slow


def test_a_revoked_leaf_takes_a_new_token_and_keeps_its_place(tmp_path):
    with team_on_two_hosts(tmp_path) as ((hub, leaf), alice, bob, code):
        wait_for(lambda: bob.run("join", code).code == 0, what="bob's join")
        revoked = hub.peers().ok("relay", "revoke", "B").out
        assert "peers relay token --name B" in revoked and "init --leaf TOKEN" in revoked
        # B cut at once when the hub's server closed its link (restarted for the revocation),
        # the refusal known at its attempt to link again, a quarter second later
        wait_for(lambda: leaf.status()["link"]["problem"] == REFUSED, what="B refused")
        bob.ok("send", "team", "written while refused")
        status = leaf.peers().run("relay", "status").out
        assert "refused this host's token" in status and "peers relay init --leaf TOKEN" in status

        before = config_path(leaf.hub).read_text()
        other = hub.peers().ok("relay", "token", "--name", "C").out.strip()
        wrong = leaf.peers().run("relay", "init", "--leaf", other)
        assert wrong.code == 1 and len(wrong.err.strip().splitlines()) == 1, wrong.err
        assert "for the host 'C'" in wrong.err and config_path(leaf.hub).read_text() == before

        token = hub.peers().ok("relay", "token", "--name", "B").out.strip()
        taken = leaf.peers().run("relay", "init", "--leaf", token)
        assert taken.code == 0 and "new token" in taken.out, taken.err
        wait_for(leaf.link_up, what="B back with its new token, its relay still running")
        wait_for(lambda: "written while refused" in bodies(alice), what="B's message on A")
        alice.ok("send", "team", "welcome back")
        wait_for(lambda: "welcome back" in bodies(bob), what="A's message on B")
