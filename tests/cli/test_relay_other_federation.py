"""A code from another federation (eleventh acceptance pass): bob on leaf B of hub A was given
an invite to a group of hub D's federation, and `peers join` said only "not known to the
federation's hub: a wrong code, or a group founded on a host whose relay has not sent it yet
(try again once that host's relay runs)": he would wait for a relay that runs already. A
host follows one hub; the line names it and says a code of another federation is not
joined here. Real relays and nats-servers on loopback."""

from __future__ import annotations

from peers_tui.testing.ports import leased_port
from tests.relay_helpers import Host, federation, stop_all, wait_for


def test_a_code_of_another_federation_is_said_so(tmp_path):
    hub, leaf = hosts = federation(tmp_path)
    other = Host("D", tmp_path / "D")
    other.root.mkdir()
    other.peers().ok("relay", "init", "--hub", "--name", "D", "--client-port",
                     str(leased_port()), "--listen", f"127.0.0.1:{leased_port()}")
    try:
        dave = other.user("dave")
        dave.ok("create", "elsewhere")
        code = dave.ok("invite", "elsewhere").out.strip()
        for host in (*hosts, other):
            host.start()
        wait_for(leaf.link_up, what="B's link")
        refused = leaf.user("bob").fails("join", code)
        assert "not known to the federation's hub A" in refused.err, refused.err
        assert "a group of another federation" in refused.err, refused.err
        assert "hub A only" in refused.err, refused.err
    finally:
        stop_all([*hosts, other])
