"""A network partition, not a stopped relay: leaf C reaches the hub through a TCP proxy the
test cuts. The hub keeps running and its connection list (nats-server's /leafz, shown in
`peers relay status`) proves C is gone; every host writes through the cut; after it, every
host holds every message once, `peers verify` is clean and the heads are identical."""

from __future__ import annotations

import threading
import time

import pytest

from peers_tui.core.group_store import GroupStore
from peers_tui.relay.config import load_config, save_config
from tests.cli.test_relay import converged, post_many
from tests.relay_helpers import federation, stop_all, team_on_three_hosts, wait_for
from benchmarks.relay_hosts import TcpProxy


def through_proxy(leaf, hub) -> TcpProxy:
    """Make `leaf` dial the hub's leaf port through a proxy the test can cut."""
    hub_port = int(load_config(hub.hub).leaf_listen.rpartition(":")[2])
    proxy = TcpProxy(hub_port)
    config = load_config(leaf.hub)
    config.hub_url = f"nats-leaf://127.0.0.1:{proxy.port}"
    save_config(leaf.hub, config)
    return proxy


def leaf_seen_by_hub(hub, name: str) -> bool | None:
    leaf = (hub.status().get("leaves") or {}).get(name)
    return None if leaf is None else bool(leaf.get("up"))


def test_the_hub_lists_each_leaf_link_up_and_down(tmp_path):
    hub, leaf = federation(tmp_path)
    proxy = through_proxy(leaf, hub)
    try:
        hub.start()
        leaf.start()
        wait_for(lambda: leaf_seen_by_hub(hub, "B") is True, what="the hub to see B")
        assert "link from B: up for" in hub.peers().ok("relay", "status").out
        proxy.cut()
        wait_for(lambda: leaf_seen_by_hub(hub, "B") is False, what="the hub to see B gone")
        assert "link from B: down for" in hub.peers().ok("relay", "status").out
        wait_for(lambda: not leaf.link_up(), what="B to see the cut")
        proxy.restore()
        wait_for(lambda: leaf_seen_by_hub(hub, "B") is True, what="B back at the hub")
    finally:
        stop_all([hub, leaf])
        proxy.close()


@pytest.mark.slow
def test_a_leaf_cut_off_while_every_host_writes_converges(tmp_path):
    hub, b, c = federation(tmp_path, ("A", "B", "C"))
    proxy = through_proxy(c, hub)
    try:
        alice, bob, carol, group_id = team_on_three_hosts(hub, b, c)
        before = set(post_many(alice, "before", 5))
        wait_for(lambda: converged([alice, bob, carol], {"welcome", *before}) or
                 converged([alice, bob, carol], before), what="the start everywhere")
        start = set(bodies_of(alice))
        # Both in the hub's list first: its server restarts when a token is made, and a list
        # taken before the leaves came back says "down" for both (the cut proves nothing).
        wait_for(lambda: leaf_seen_by_hub(hub, "B") is True and leaf_seen_by_hub(hub, "C") is True,
                 what="the hub's list with B and C")

        proxy.cut()
        wait_for(lambda: leaf_seen_by_hub(hub, "C") is False, what="the hub's list without C")
        assert leaf_seen_by_hub(hub, "B") is True
        wait_for(lambda: not c.link_up(), what="C to see the cut")
        writers = [threading.Thread(target=post_many, args=(user, f"cut {user.name}", 100))
                   for user in (alice, bob, carol)]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()
        during = {f"cut {name} {i}" for name in ("alice", "bob", "carol") for i in range(100)}
        # the rest of the federation goes on: A and B have each other's posts, C none of them
        wait_for(lambda: converged([alice, bob], start | (during - carols(during))),
                 what="A and B in step during the cut")
        assert not set(bodies_of(carol)) & {f"cut alice {i}" for i in range(100)}
        wait_for(lambda: c.status()["unsent"] == 100, what="C's posts counted unsent")

        proxy.restore()
        restored = time.monotonic()
        wait_for(lambda: converged([alice, bob, carol], start | during), timeout=30,
                 what="convergence after the cut")
        print(f"converged {len(start | during)} records {time.monotonic() - restored:.2f} s "
              "after the link returned")
        for user in (alice, bob, carol):
            assert user.run("verify", "team").code == 0
        heads = [GroupStore(h.hub / f"{group_id}.db", group_id).heads() for h in (hub, b, c)]
        assert heads[0] == heads[1] == heads[2]
        assert all(host.status()["rejected"] == {} for host in (hub, b, c))
    finally:
        stop_all([hub, b, c])
        proxy.close()


def bodies_of(user) -> list[str]:
    return [m["body"] for m in user.ok("log", "team", "--json", "--limit", "100000").json()]


def carols(texts: set[str]) -> set[str]:
    return {text for text in texts if text.startswith("cut carol")}


@pytest.mark.slow
def test_a_member_removed_while_posting_from_a_cut_off_host_is_void_everywhere(tmp_path):
    """carol posts on C while C is cut off; meanwhile alice removes her on the hub. When the
    link returns, every post of carol's that alice had not seen is void on every host — also
    on C, where they were written — whatever their timestamps, and the hosts agree."""
    hub, b, c = federation(tmp_path, ("A", "B", "C"))
    proxy = through_proxy(c, hub)
    try:
        alice, bob, carol, group_id = team_on_three_hosts(hub, b, c)
        seen = set(post_many(carol, "seen", 3))
        wait_for(lambda: seen <= set(bodies_of(alice)), what="carol's first posts at the hub")
        proxy.cut()
        wait_for(lambda: not c.link_up(), what="C to see the cut")
        unseen = set(post_many(carol, "unseen", 5))
        alice.ok("remove", "team", "carol")
        after = set(post_many(alice, "after", 3))
        proxy.restore()
        wait_for(lambda: c.link_up(), what="C back")
        wait_for(lambda: "carol" not in handles(carol), timeout=30, what="the removal on C")
        wait_for(lambda: after <= set(bodies_of(carol)), timeout=30, what="alice's posts on C")
        time.sleep(1)  # anything of carol's that was going to travel has travelled
        logs = [set(bodies_of(user)) for user in (alice, bob, carol)]
        assert logs[0] == logs[1] == logs[2], logs
        assert seen <= logs[0] and after <= logs[0]
        assert not unseen & logs[0]  # void everywhere, not just late
        for user in (alice, bob, carol):
            assert user.run("verify", "team").code == 0
        heads = [GroupStore(h.hub / f"{group_id}.db", group_id).heads()[:2] for h in (hub, b, c)]
        assert heads[0] == heads[1] == heads[2]
    finally:
        stop_all([hub, b, c])
        proxy.close()


def handles(user) -> list[str]:
    return [m["handle"] for m in user.ok("members", "team", "--json").json()]


def test_records_flow_on_at_once_after_the_hubs_server_restarts_for_a_token(tmp_path):
    """A token made while the hub runs restarts its nats-server (leaf users cannot be
    reloaded); the hub's consumers start again with it instead of waiting out a heartbeat
    (a leaf's post took ~10 s to reach the hub before)."""
    from tests.cli.test_relay import joined

    hub, leaf = federation(tmp_path)
    try:
        alice, bob, _ = joined(hub, leaf)
        hub.peers().ok("relay", "token", "--name", "C")  # the hub's server restarts
        wait_for(lambda: leaf_seen_by_hub(hub, "B") is True and leaf.link_up(),
                 what="B reconnected after the restart")
        posted = time.monotonic()
        bob.ok("send", "team", "after the restart")
        wait_for(lambda: "after the restart" in bodies_of(alice), timeout=6,
                 what="bob's post at the hub within seconds")
        print(f"crossed in {time.monotonic() - posted:.2f} s")
    finally:
        stop_all([hub, leaf])


@pytest.mark.slow
def test_the_hub_sees_a_silent_leaf_gone_within_seconds(tmp_path):
    """The fourth acceptance pass: B's nats-server stopped (SIGSTOP: its TCP connection stays
    open, as when a laptop's network vanishes) was listed by the hub as `link from B: up for
    8m04s, 0.2 ms` six minutes into the cut (nats-server's default pings: every 2 minutes).
    The hub's server pings its connections every few seconds now and drops a silent one."""
    import os
    import signal

    hub, leaf = federation(tmp_path)
    try:
        hub.start()
        leaf.start()
        wait_for(lambda: leaf_seen_by_hub(hub, "B") is True, what="the hub to see B")
        server = leaf.nats_pid()
        os.kill(server, signal.SIGSTOP)
        try:
            cut = time.monotonic()
            wait_for(lambda: leaf_seen_by_hub(hub, "B") is False, timeout=30,
                     what="the hub to see the silent B gone")
            print(f"silent leaf seen gone by the hub after {time.monotonic() - cut:.1f} s")
            assert "link from B: down for" in hub.peers().ok("relay", "status").out
        finally:
            os.kill(server, signal.SIGCONT)
        wait_for(lambda: leaf_seen_by_hub(hub, "B") is True, what="B back at the hub")
        wait_for(leaf.link_up, what="B's own link back")
    finally:
        stop_all([hub, leaf])
