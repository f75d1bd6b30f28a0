"""A join right after a big import succeeds at the first try (twenty-seventh acceptance pass,
docs/relay.md, "Four left by the twenty-seventh pass").

alice on hub A imports 5,000 messages and makes an invite code at once; bob on leaf B runs
`peers join CODE` once. The invite is a record of alice's chain, after the 5,000: her host's
relay sends it behind them (relay/chain_order.py), and the join was refused "... has not
arrived yet (try again ...)" two or three times. The join's fetch now waits, bounded, for the
code's invite at the hub (relay/invite_arrival.py). A code whose invite never comes is still
refused, in one line, within that bound. Hub A and leaf B on loopback, real relays."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import threading
import time
from contextlib import closing, contextmanager

import pytest

from peers_tui.core.encoding import b32
from peers_tui.core.link_state import read_link_state
from peers_tui.core.invites import PREFIX
from tests.relay_helpers import federation, start_linked, stop_all, wait_for

pytestmark = pytest.mark.slow

IMPORTED = 5_000


def test_a_join_right_after_a_big_import_succeeds_at_the_first_try(tmp_path):
    hosts = federation(tmp_path, ("A", "B"))
    hub, leaf = hosts
    try:
        alice, bob = hub.user("alice"), leaf.user("bob")
        alice.ok("create", "big")
        start_linked(hosts)
        wait_for(lambda: hub.status().get("unsent") == 0, timeout=60, what="the genesis out")
        lines = imported_lines()
        alice.ok("import", "big", "-", stdin=lines)
        code = alice.ok("invite", "big").out.strip()
        began = time.monotonic()
        joined = bob.spawn("join", code, timeout=120)
        took = time.monotonic() - began
        assert joined.code == 0, joined.err
        print(f"join took {took:.1f} s")
        assert "big" in bob.ok("groups").out
    finally:
        stop_all(hosts)


def test_a_code_whose_invite_never_comes_is_refused_in_one_line_in_bounded_time(
        tmp_path, monkeypatch):
    monkeypatch.setenv("PEERS_JOIN_INVITE_WAIT", "3")
    hosts = federation(tmp_path, ("A", "B"))
    hub, leaf = hosts
    try:
        alice, bob = hub.user("alice"), leaf.user("bob")
        group_id = alice.ok("create", "team").out.strip()
        start_linked(hosts)
        wait_for(lambda: hub.status().get("unsent") == 0, timeout=60, what="the genesis out")
        wrong = f"{PREFIX}:{group_id}:{b32(os.urandom(32))}"  # a secret nobody invited with
        began = time.monotonic()
        refused = bob.spawn("join", wrong, timeout=60)
        took = time.monotonic() - began
        assert refused.code != 0 and "Traceback" not in refused.err, refused.err
        assert len(refused.err.strip().splitlines()) == 1, refused.err
        assert "no invite of this code reached the federation's hub A in 3 s" in refused.err
        assert "wrong or forged code" in refused.err and "a few seconds" not in refused.err
        assert took < 3 + 10, took  # the wait, and a join's own time on a loaded machine
        assert not (leaf.hub / f"{group_id}.db").exists()  # nothing fetched is left
    finally:
        stop_all(hosts)


def carol_a_member_on_b(hosts) -> tuple:
    """alice founds 'big' on hub A, carol on leaf B joins it: B holds the group from then on,
    so a later join there fetches nothing and reads the code's invite from B's own file."""
    hub, leaf = hosts
    alice, carol, bob = hub.user("alice"), leaf.user("carol"), leaf.user("bob")
    group_id = alice.ok("create", "big").out.strip()
    first = alice.ok("invite", "big").out.strip()
    start_linked(hosts)
    wait_for(lambda: carol.run("join", first).code == 0, timeout=60, what="carol's join")
    assert (leaf.hub / f"{group_id}.db").exists()
    # The join waits for an invite in transit only while B's link file says the link is up
    # (offline: refused at once). With the tests' files on a tmpfs the whole set-up took ~1 s
    # and bob's join read B's link file before its relay had written the link up there.
    wait_for(lambda: (state := read_link_state(leaf.hub)) is not None and state.up
             and state.answers(), timeout=30, what="B's link file: up")
    return alice, bob, group_id


def test_a_join_on_a_host_that_holds_the_group_waits_for_an_invite_in_transit(tmp_path):
    """bob's join on B of a code alice made right after importing 5,000 on A: the invite
    comes behind the import (chain_order.py). It was refused "... has not arrived yet (try
    again ...)" at once; the hub says the group is on its way (invite_transit.py), and the
    join waits for B's relay to apply the invite."""
    hosts = federation(tmp_path, ("A", "B"))
    try:
        alice, bob, group_id = carol_a_member_on_b(hosts)
        lines = imported_lines()
        alice.ok("import", "big", "-", stdin=lines)
        code = alice.ok("invite", "big").out.strip()
        began = time.monotonic()
        joined = bob.spawn("join", code, timeout=120)
        print(f"join took {time.monotonic() - began:.1f} s")
        assert joined.code == 0, joined.err
        assert "big" in bob.ok("groups").out
    finally:
        stop_all(hosts)


def test_a_join_on_a_host_that_holds_the_group_ends_at_once_offline_or_unknown(tmp_path):
    """No wait where nothing is on its way: a code no host knows, B's link up; a genuine
    code made on A while B's link is down. Each ends in one line, at once."""
    hosts = federation(tmp_path, ("A", "B"))
    hub, leaf = hosts
    try:
        alice, bob, group_id = carol_a_member_on_b(hosts)
        wait_for(lambda: hub.status().get("unsent") == 0, timeout=60, what="A all sent")
        wrong = f"{PREFIX}:{group_id}:{b32(os.urandom(32))}"
        for what in ("unknown", "offline"):
            if what == "offline":
                hub.stop()
                wait_for(lambda: not leaf.link_up(), timeout=30, what="B's link down")
                wrong = alice.ok("invite", "big").out.strip()  # its invite cannot reach B
            began = time.monotonic()
            refused = bob.spawn("join", wrong, timeout=60)
            took = time.monotonic() - began
            assert refused.code != 0 and "Traceback" not in refused.err, (what, refused.err)
            assert len(refused.err.strip().splitlines()) == 1, (what, refused.err)
            assert took < 4, (what, took, refused.err)
            print(f"{what}: refused in {took:.1f} s: {refused.err.strip()}")
    finally:
        stop_all(hosts)


def test_an_invite_behind_an_import_on_another_leaf_is_waited_for_once_it_is_sent(tmp_path):
    """The same with the import and the code made on leaf C by erin, an admin there: the
    invite reaches the hub in C's inbound stream behind the 5,000, and B's join waits while
    the hub says C is sending records of the group (invite_transit._moving). Joined once C's
    relay has begun to send them: before that only C knows (docs/relay.md says so)."""
    with big_on_three_hosts(tmp_path) as (hosts, _, erin, bob):
        hub = hosts[0]
        wait_for(lambda: len(erin.ok("members", "big", "--json").json()) == 3, timeout=30,
                 what="carol's join on C")
        lines = imported_lines()
        # What the hub's intake took (`received`), not the bytes it passed on for C
        # (`stored`): those grew with C's part in the joins, sent as membership changes, and
        # the join was asked before C's relay had sent one record of the import (the hub
        # rightly said nothing of the group was on its way: 3 of 12 runs, three at once).
        received = hub.status().get("received", 0)
        erin.ok("import", "big", "-", stdin=lines)
        code = erin.ok("invite", "big").out.strip()
        wait_for(lambda: hub.status().get("received", 0) >= received + 100, timeout=30,
                 what="the hub taking C's first records of the import")
        began = time.monotonic()
        joined = bob.spawn("join", code, timeout=120)
        print(f"join took {time.monotonic() - began:.1f} s")
        assert joined.code == 0, joined.err


def test_a_leaf_relay_paused_between_batches_is_still_sending_its_group(tmp_path):
    """C's relay stopped (SIGSTOP, as a loaded host holds it) between two batches of the
    import: the hub has applied and purged all it took from C's stream (limits.InboundTrim),
    so that stream holds nothing of the group. The hub still says "moving" for RECENT seconds
    after it last took one (inbound.TakenFrom); it said nothing, and the join was
    refused at once, while the rest of the import and the invite were on their way."""
    with big_on_three_hosts(tmp_path) as (hosts, group_id, erin, bob):
        hub, _, third = hosts
        lines = imported_lines()
        erin.ok("import", "big", "-", stdin=lines)
        code = erin.ok("invite", "big").out.strip()
        # C's relay held as soon as the hub's file has some of the import (its status, written
        # every 2 s, said so after C had sent it all)
        wait_for(lambda: messages_in(hub.hub / f"{group_id}.db") > 0, timeout=30,
                 what="the hub taking C's first records of the import")
        os.kill(third.process.pid, signal.SIGSTOP)
        resumed = threading.Timer(0.5, os.kill, (third.process.pid, signal.SIGCONT))
        try:
            # the hub applies what it took and purges it (intake.QUIET_WAIT, 0.25 s, then the
            # trim); C stopped longer than SILENT_AFTER would be silent (leaf_heard.py)
            time.sleep(1.0)
            resumed.start()
            began = time.monotonic()
            joined = bob.spawn("join", code, timeout=120)
        finally:
            resumed.cancel()
            os.kill(third.process.pid, signal.SIGCONT)
        print(f"join took {time.monotonic() - began:.1f} s")
        assert joined.code == 0, joined.err
        assert messages_in(hub.hub / f"{group_id}.db") == IMPORTED


def messages_in(path) -> int:
    """Messages in a group file now (0 while a writer holds it)."""
    try:
        with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=0.05)) as db:
            return int(db.execute("SELECT count(*) FROM message").fetchone()[0])
    except sqlite3.Error:
        return 0


def imported_lines(count: int = IMPORTED) -> str:
    """`count` old messages as `peers import` reads them (JSON lines)."""
    return "".join(json.dumps({"id": f"m{i}", "author": "old", "body": f"old {i}",
                               "created_at": 1_700_000_000 + i}) + "\n" for i in range(count))


@contextmanager
def big_on_three_hosts(tmp_path):
    """Hub A, leaves B and C; alice's group 'big' with carol (on B) and erin (on C) admins in
    it, joined on their hosts; bob on B not a member. Yields (hosts, group id, erin, bob)."""
    hosts = federation(tmp_path, ("A", "B", "C"))
    hub, leaf, third = hosts
    try:
        alice, carol, erin = hub.user("alice"), leaf.user("carol"), third.user("erin")
        bob = leaf.user("bob")
        group_id = alice.ok("create", "big").out.strip()
        first = alice.ok("invite", "big", "--uses", "2", "--role", "admin").out.strip()
        start_linked(hosts)
        for user in (carol, erin):
            wait_for(lambda user=user: user.run("join", first).code == 0, timeout=60,
                     what=f"{user.name}'s join")
        yield hosts, group_id, erin, bob
    finally:
        stop_all(hosts)
