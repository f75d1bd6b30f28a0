"""A join on a host that holds the group, with a code made on another leaf a moment before:
the invite has reached the hub but not yet this host (docs/relay.md, "A randomized soak of
three hosts", "Left, minor", and "A join waits for an invite the hub holds").

Hub A, leaves B and C, 'team' on all three. C's relay is stopped (SIGSTOP, as a loaded host
holds it) before bob makes the code on B, so the invite reaches the hub and not C: C's
nats-server runs on, and through it the join asks the hub (invite_transit.py) and has its
change ordered there. Real relays and nats-servers on loopback."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from peers_tui.core.encoding import b32
from peers_tui.core.invites import PREFIX, parse_code
from peers_tui.core.link_state import read_link_state
from peers_tui.relay.invite_transit import RECENT, invite_in_file
from tests.relay_helpers import join_arrived, three_hosts, wait_for

pytestmark = pytest.mark.slow


def bob_an_admin(hosts) -> tuple:
    """'team' on A, B and C (three_hosts), bob an admin on B (he makes the codes), dave a
    user of C who is no member, C's link file up (a join waits only then: join_fetch.py)."""
    hub, b, c = hosts
    alice, bob = hub.user("alice"), b.user("bob")
    alice.ok("role", "team", "bob", "admin")
    wait_for(lambda: any(m.get("role") == "admin" and m.get("handle") == "bob"
                         for m in bob.ok("members", "team", "--json").json()),
             what="bob an admin on B")
    wait_for(lambda: (state := read_link_state(c.hub)) is not None and state.up
             and state.answers(), timeout=30, what="C's link file: up")
    return bob, c.user("dave")


def stop_relay_after_a_write(host) -> int:
    """SIGSTOP `host`'s relay just after it wrote its link file: a join there reads the
    relay answering for HEARTBEAT (5 s) after that write, stopped or not (link_state.py);
    stopped at a random moment, as long before as that, the join was refused at once."""
    written = read_link_state(host.hub).updated
    wait_for(lambda: (state := read_link_state(host.hub)) is not None
             and state.updated != written, timeout=15, what=f"{host.name}'s link file written")
    os.kill(host.process.pid, signal.SIGSTOP)
    return host.process.pid


def quiet_at_the_hub(hub) -> None:
    """The hub has taken nothing from a leaf for longer than invite_transit.RECENT: while it
    had, it said the group was "moving", and a wrong code waited (docs/relay.md says so)."""
    seen = [hub.status().get("received"), time.monotonic()]

    def quiet() -> bool:
        now = hub.status().get("received")
        if now != seen[0]:
            seen[:] = [now, time.monotonic()]
        return time.monotonic() - seen[1] > RECENT + 0.5
    wait_for(quiet, timeout=60, what="nothing taken at the hub for a while")


def invite_at_the_hub_only(hub, c, bob, group_id) -> str:
    """bob's new code, its invite in the hub's file and not in C's (C's relay stopped)."""
    code = bob.ok("invite", "team").out.strip()
    key = parse_code(code).key.public_id
    wait_for(lambda: invite_in_file(hub.hub / f"{group_id}.db", key), timeout=30,
             what="the invite in the hub's file")
    assert not invite_in_file(c.hub / f"{group_id}.db", key)
    return code


def test_a_join_waits_for_an_invite_the_hub_holds_and_this_host_lacks(tmp_path):
    """Joined at the first try once C's relay runs again (2 s after the join began) and
    applies the invite. Refused at once without the wait (PEERS_JOIN_INVITE_WAIT=0)."""
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        bob, dave = bob_an_admin(hosts)
        relay = stop_relay_after_a_write(c)
        stopped = time.monotonic()
        resumed = threading.Timer(2.0, os.kill, (relay, signal.SIGCONT))
        try:
            code = invite_at_the_hub_only(hub, c, bob, group_id)
            resumed.start()
            began = time.monotonic()
            joined = dave.spawn("join", code, timeout=120)
            took = time.monotonic() - began
        finally:
            resumed.cancel()
            os.kill(relay, signal.SIGCONT)
        print(f"join took {took:.1f} s (C's relay stopped {began - stopped:.1f} s before it)")
        assert joined.code == 0, joined.err
        assert "team" in dave.ok("groups").out


def test_the_hubs_word_in_the_refusal(tmp_path, monkeypatch):
    """A code no host knows ends at once and says the hub holds none of it either; a code
    whose invite the hub holds and C's stopped relay does not apply in the wait (2 s here)
    says so, and joins once C's relay runs."""
    monkeypatch.setenv("PEERS_JOIN_INVITE_WAIT", "2")
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        bob, dave = bob_an_admin(hosts)
        wrong = f"{PREFIX}:{group_id}:{b32(os.urandom(32))}"
        quiet_at_the_hub(hub)
        began = time.monotonic()
        refused = dave.spawn("join", wrong, timeout=60)
        took = time.monotonic() - began
        print(f"unknown: refused in {took:.1f} s: {refused.err.strip()}")
        assert refused.code != 0 and refused.err.count("\n") == 1, refused
        assert "Traceback" not in refused.err and took < 5, (took, refused.err)
        assert "not known to this host nor to the federation's hub A" in refused.err
        assert "not arrived yet" in refused.err  # (relay_helpers.join_arrived tries again)
        relay = stop_relay_after_a_write(c)
        try:
            code = invite_at_the_hub_only(hub, c, bob, group_id)
            began = time.monotonic()
            late = dave.spawn("join", code, timeout=60)
            took = time.monotonic() - began
        finally:
            os.kill(relay, signal.SIGCONT)
        print(f"late: refused in {took:.1f} s: {late.err.strip()}")
        assert late.code != 0 and late.err.count("\n") == 1, late
        assert "is at the federation's hub A but has not arrived yet on this host in 2 s" \
            in late.err, late.err
        assert 2 <= took < 2 + 5, took
        # C's relay, stopped over 5 s under load, is refused for membership changes until its
        # status is written again ("has reported nothing for 6s"): join_arrived took that for
        # a failure
        wait_for(lambda: c.status().get("running"), timeout=30, what="C's relay reporting again")
        join_arrived(dave, code)
