"""Whoever sets a host's relay up and runs it is no person of the federation: every `peers`
command published its runner's profile, so `peers relay init`, `token` and `status`, run as
root or as a service user, listed that account (handle 'root') among the people on every
host (the eleventh acceptance pass, docs/relay.md). Real relays and nats-servers on loopback."""

from __future__ import annotations

from tests.relay_helpers import federation, stop_all, wait_for


def test_the_relay_commands_publish_no_profile_of_their_runner(tmp_path):
    hub, leaf = hosts = federation(tmp_path)  # `relay init` and `relay token` by an admin
    try:
        alice, dave = hub.user("alice"), leaf.user("dave")
        for host in hosts:
            host.start()  # `peers relay` and `relay status` by that admin too
        wait_for(leaf.link_up, what="B's link")
        hub.peers().ok("relay", "rejected")
        dave.ok("people")  # his profile, published on B

        def handles() -> list[str]:
            return sorted(p["handle"] for p in alice.ok("people", "--json").json())

        wait_for(lambda: "dave" in handles(), what="B's people heard on A")
        assert handles() == ["alice", "dave"]
        for host in hosts:
            host.stop()
        assert handles() == ["alice", "dave"]  # nor when the relay has stopped
    finally:
        stop_all(hosts)
