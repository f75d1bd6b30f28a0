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
import time

import pytest

from peers_tui.core.encoding import b32
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
        lines = "".join(json.dumps({"id": f"m{i}", "author": "old", "body": f"old {i}",
                                    "created_at": 1_700_000_000 + i}) + "\n"
                        for i in range(IMPORTED))
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
