"""Two things `peers relay status` got wrong in the seventh acceptance pass (docs/relay.md,
"Acceptance from the CLI, seventh pass", open items):
- a group whose founding record was edited in place showed "damaged" in the app and in
  `peers groups`, and nothing in `relay status`: now one line names it, and `--json` has
  "damaged": {group id: reason};
- `peers relay token` (which restarts the hub's nats-server) reset every leaf's "up since" at
  the hub, while the leaves kept theirs: now a leaf back within a few seconds of the
  restart keeps its "since".

Two hosts on loopback (hub A, leaf B: real nats-servers and relays); the founding record is
edited with sqlite3."""

from __future__ import annotations

import os
import signal
import sqlite3
import time

import pytest

from tests.relay_helpers import bodies, team_on_two_hosts, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def joined(tmp_path):
    with team_on_two_hosts(tmp_path) as (hosts, alice, bob, code):
        bob.ok("join", code)
        group_id = next(g["id"] for g in bob.ok("groups", "--json").json() if g["name"] == "team")
        yield hosts, alice, bob, group_id


def test_a_founding_record_edited_in_place_is_named_by_relay_status(joined):
    (hub, b), alice, bob, group_id = joined
    db = b.hub / f"{group_id}.db"
    with sqlite3.connect(db) as conn:
        [original] = conn.execute("SELECT record FROM group_info").fetchone()
        assert '"name":"team"' in original
        conn.execute("UPDATE group_info SET record = ?",
                     (original.replace('"name":"team"', '"name":"maet"'),))
    wait_for(lambda: group_id in (b.status().get("damaged") or {}), what="B's status naming it")
    reason = b.status()["damaged"][group_id]
    assert "genesis record: bad signature" in reason
    lines = [line for line in b.peers().run("relay", "status").out.splitlines()
             if "damaged" in line]
    assert len(lines) == 1 and group_id in lines[0] and "bad signature" in lines[0], lines
    b.stop()  # and when the relay starts with the file as it is
    b.start()
    wait_for(lambda: group_id in (b.status().get("damaged") or {}), what="named at the start")
    with sqlite3.connect(db) as conn:  # mended: named no more
        conn.execute("UPDATE group_info SET record = ?", (original,))
    wait_for(lambda: not b.status().get("damaged"), what="the mended file named no more")
    assert "damaged" not in b.peers().run("relay", "status").out
    bob.ok("send", "team", "after the mending")
    wait_for(lambda: "after the mending" in bodies(alice), what="bob's message on A")


def test_a_token_made_on_the_hub_keeps_each_leafs_up_since(joined):
    (hub, b), alice, bob, group_id = joined
    wait_for(lambda: hub.status().get("leaves", {}).get("B", {}).get("up"), what="B up at A")
    since = hub.status()["leaves"]["B"]["since"]
    time.sleep(1.2)  # a since set again would differ
    server = hub.nats_pid()
    # B's server held still over the restart, so that the hub looks while B is not back yet
    # (it reconnects within 250 ms, and the hub looks once a second).
    os.kill(b.nats_pid(), signal.SIGSTOP)
    try:
        hub.peers().ok("relay", "token", "--name", "D")
        wait_for(lambda: hub.nats_pid() != server, what="the hub's server restarted")
        time.sleep(1.5)
    finally:
        os.kill(b.nats_pid(), signal.SIGCONT)
    bob.ok("send", "team", "after the token")
    wait_for(lambda: "after the token" in bodies(alice), what="bob's message on A")
    time.sleep(6)  # past every grace: the hub's status written since the leaf came back
    leaf = hub.status()["leaves"]["B"]
    assert leaf["up"] and leaf["since"] == since, (leaf, since)
    assert "D" in hub.status()["leaves"] and not hub.status()["leaves"]["D"]["up"]
