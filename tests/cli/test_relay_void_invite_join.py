"""A join with a code whose invite this host's relay refused as void (seventh acceptance pass,
docs/relay.md): the code is genuine, made on this host while it was cut off by an admin whom
the hub demoted meanwhile; the demotion's cut makes the invite void (README rule 5), and the
relay takes it out of the file. `peers join` said "not known to the group here: ... one made
on another host a moment ago that has not arrived yet (try again in a few seconds)", which
never comes true. Real relays and nats-servers on loopback."""

from __future__ import annotations

import pytest

from tests.relay_helpers import federation, start_linked, stop_all, wait_for


def refused_here(leaf) -> bool:  # noqa: ANN001
    """B's own relay refused an invite: not only the hub's refusal told to B, which
    comes first (h-refusedback) while B's relay has yet to set the invite aside."""
    return any(row.get("kind") == "invite" and not row.get("refused_at_hub")
               for row in leaf.peers().ok("relay", "rejected", "--json").rows())


@pytest.mark.slow
def test_a_join_with_an_invite_void_by_a_cut_says_why(tmp_path):
    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, bob, ivan = hub.user("alice"), leaf.user("bob"), leaf.user("ivan")
        alice.ok("create", "team")
        code = alice.ok("invite", "team", "--role", "admin").out.strip()
        start_linked(hosts)
        wait_for(lambda: bob.spawn("join", code).code == 0, what="bob's join")
        leaf.stop()
        void_code = bob.ok("invite", "team").out.strip()  # on B, cut off
        assert alice.spawn("role", "team", "bob", "writer").code == 0
        leaf.start()
        wait_for(lambda: refused_here(leaf), what="B's relay to refuse the void invite")
        result = ivan.spawn("join", void_code)
        assert result.code != 0
        err = result.err.strip()
        assert "try again" not in err, err
        assert "void" in err and "demoted" in err, err
        assert len(err.splitlines()) == 1, err
    finally:
        stop_all(hosts)


@pytest.mark.slow
def test_a_join_of_a_group_whose_founders_relay_has_not_sent_it_says_it_may_come(tmp_path):
    """`offgrp` founded on leaf B while B's relay was stopped, its code given to alice on the
    hub: "group ... is not known to the federation's hub" read like a wrong code; the same
    join worked 1.6 s after B's relay started."""
    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, bob = hub.user("alice"), leaf.user("bob")
        hub.start()
        bob.ok("create", "offgrp")
        code = bob.ok("invite", "offgrp").out.strip()
        err = alice.spawn("join", code).err.strip()
        assert "not known to the federation's hub" in err and len(err.splitlines()) == 1, err
        assert "not sent it yet" in err, err
        leaf.start()
        wait_for(lambda: alice.spawn("join", code).code == 0, what="the join once B sent it")
    finally:
        stop_all(hosts)
