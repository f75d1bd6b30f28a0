"""`peers relay` across hosts on loopback: real nats-server processes on free ports, real
relays, real users; every host's files checked at the end."""

from __future__ import annotations

import os
import signal
import stat
import time

import pytest

from peers_tui.relay.config import free_port
from tests.relay_helpers import Host, bodies, federation, stop_all, wait_for


@pytest.fixture
def hosts(tmp_path):
    made = federation(tmp_path)
    yield made
    stop_all(made)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as proc:  # a zombie is dead too
        return proc.read().split()[2] != "Z"


def test_init_keeps_its_state_private_and_refuses_a_second_init(hosts):
    hub, leaf = hosts
    for host in hosts:
        assert stat.S_IMODE(os.stat(host.hub / ".relay").st_mode) == 0o700
        assert stat.S_IMODE(os.stat(host.hub / ".relay" / "config.json").st_mode) == 0o600
    again = hub.peers().fails("relay", "init", "--hub")
    assert "already set up" in again.err
    assert "not a relay token" in Host("C", hub.root.parent / "C").peers().fails(
        "relay", "init", "--leaf", "garbage").err
    assert "tokens are made on the hub" in leaf.peers().fails("relay", "token", "--name", "x").err


def test_the_relay_starts_and_stops_its_server_even_when_killed(hosts):
    hub, leaf = hosts
    hub.start()
    server = hub.nats_pid()
    assert alive(server)
    hub.stop(signal.SIGKILL)
    wait_for(lambda: not alive(server), timeout=5, what="the orphaned nats-server to die")
    hub.start()  # the ports and the store are free again
    server = hub.nats_pid()
    hub.stop()
    assert not alive(server)
    assert hub.status()["running"] is False


def test_a_message_posted_on_one_host_appears_on_the_other(hosts):
    hub, leaf = hosts
    alice, bob = hub.user("alice"), leaf.user("bob")
    group_id = alice.ok("create", "team").out.strip()
    code = alice.ok("invite", "team").out.strip()
    hub.start()
    leaf.start()
    wait_for(leaf.link_up, what="the leaf link")
    wait_for(lambda: leaf.status().get("received"), what="the group at the hub")
    bob.ok("join", code)  # the group is not on B: found through the relay
    alice.ok("send", "team", "hello from A")
    wait_for(lambda: "hello from A" in bodies(bob), what="A's message on B")
    bob.ok("send", "team", "hello from B")
    wait_for(lambda: "hello from B" in bodies(alice), what="B's message on A")
    assert bodies(alice) == bodies(bob) == ["hello from A", "hello from B"]
    assert alice.ok("verify", "team").code == 0 and bob.ok("verify", "team").code == 0
    status = leaf.status()
    assert status["link"]["up"] and status["unsent"] == 0 and status["rejected"] == {}


def test_a_wrong_or_revoked_token_is_refused(tmp_path, hosts):
    hub, leaf = hosts
    intruder = Host("C", tmp_path / "C")
    intruder.root.mkdir()
    token = hub.peers().ok("relay", "token", "--name", "C").out.strip()
    hub.peers().ok("relay", "revoke", "C")
    intruder.peers().ok("relay", "init", "--leaf", token)
    hub.start()
    try:
        intruder.start()
        leaf.start()
        wait_for(leaf.link_up, what="the genuine leaf's link")
        problem = wait_for(lambda: intruder.status().get("link", {}).get("problem"),
                           what="the revoked leaf's refusal")
        assert problem == "the hub refused this host's token (wrong or revoked)"
        assert not intruder.link_up()
        assert "refused this host's token" in intruder.stderr()
    finally:
        intruder.stop()


def test_tokens_made_and_revoked_while_the_hub_runs_take_effect(tmp_path, hosts):
    hub, leaf = hosts
    hub.start()
    late = Host("C", tmp_path / "C")
    late.root.mkdir()
    late.peers().ok("relay", "init", "--leaf",
                    hub.peers().ok("relay", "token", "--name", "C").out.strip())
    try:
        late.start()
        wait_for(late.link_up, what="the new leaf's link")
        hub.peers().ok("relay", "revoke", "C")
        wait_for(lambda: not late.link_up(), what="the revoked leaf to be cut off")
        wait_for(lambda: late.status()["link"]["problem"] ==
                 "the hub refused this host's token (wrong or revoked)", what="the refusal")
    finally:
        late.stop()
