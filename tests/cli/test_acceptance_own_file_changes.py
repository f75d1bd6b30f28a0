"""What the acceptance of issue 15 from the CLI met (helper accept4, docs/relay.md "Acceptance
from the CLI, fifth pass"): a membership change dropped into one host's file with sqlite3
must be counted and listed where it was written, as a forged message or invite is (README:
"Rows written straight into a host's own file that do not verify are not sent at all
(counted under that host's name)"); `relay init` refuses in one line what it cannot use; and
a leaf whose membership request got no answer in time does not say nothing was changed."""

from __future__ import annotations

import signal

import pytest

from peers_tui.testing.forge import Forger
from peers_tui.testing.ports import leased_port
from tests.relay_helpers import Host, bodies, team_on_two_hosts, wait_for


@pytest.mark.slow
def test_a_membership_change_forged_into_a_leafs_file_is_refused_there_and_listed(tmp_path):
    """bob, a writer on leaf B, signs a change making himself owner and writes it straight
    into B's file. B's relay sent nothing (right), but counted and listed nothing either:
    `relay status` said "rejected: none" on every host while `peers verify` on B failed."""
    with team_on_two_hosts(tmp_path) as ((hub, leaf), alice, bob, code):
        wait_for(lambda: bob.run("join", code).code == 0, what="bob's join on B")
        group_id = next(g["id"] for g in bob.ok("groups", "--json").json() if g["name"] == "team")
        seq = Forger(bob.home).change(leaf.hub / f"{group_id}.db", group_id, "role",
                                      extra={"role": 80})
        wait_for(lambda: leaf.status().get("rejected") == {"B": 1}, what="the refusal at B")
        [row] = leaf.peers().ok("relay", "rejected", "--json").json()
        assert (row["kind"], row["type"], row["author"]) == ("member", "role", bob.ok(
            "id").out.split()[0]), row
        assert row["reason"] == "written into this host's file: a writer cannot change a writer"
        listed = leaf.peers().ok("relay", "rejected").out
        assert listed.count("\n") == 1 and "member:" in listed and "by bob" in listed, listed
        assert f"membership change {seq}" in bob.run("verify", "team").out
        # nothing reached the hub; the group goes on, and the forgery is counted once
        bob.ok("send", "team", "after the forgery")
        wait_for(lambda: "after the forgery" in bodies(alice), what="bob's message on A")
        roles = {m["handle"]: m["role"] for m in alice.ok("members", "team", "--json").json()}
        assert roles == {"alice": "owner", "bob": "writer"}
        assert hub.status().get("rejected") == {}
        assert leaf.status().get("rejected") == {"B": 1}


def test_relay_init_refuses_an_empty_host_name_and_a_listen_address_on_a_leaf(tmp_path):
    """`--name ""` set the hub up under the machine's name as if no --name was given, and
    `--leaf TOKEN --listen ADDR:PORT` set the leaf up ignoring --listen without a word (a
    leaf dials the address in its token), where `--hub --ssh` is refused in one line."""
    hub, leaf = Host("A", tmp_path / "A"), Host("B", tmp_path / "B")
    for host in (hub, leaf):
        host.root.mkdir()
    empty = hub.peers().fails("relay", "init", "--hub", "--name", "")
    assert "host name '' must be 1-32 letters" in empty.err, empty.err
    assert not (hub.hub / ".relay" / "config.json").exists()
    hub.peers().ok("relay", "init", "--hub", "--name", "A", "--listen", f"127.0.0.1:{leased_port()}")
    token = hub.peers().ok("relay", "token", "--name", "B").out.strip()
    listen = leaf.peers().fails("relay", "init", "--leaf", token, "--listen", "0.0.0.0:7422")
    assert "--listen is for the hub" in listen.err, listen.err
    assert "not ''" in leaf.peers().fails("relay", "init", "--leaf", token, "--name", "").err
    leaf.peers().ok("relay", "init", "--leaf", token)
    again = leaf.peers().fails("relay", "init", "--leaf", token, "--listen", "0.0.0.0:7422")
    assert "--listen is for the hub" in again.err, again.err


@pytest.mark.slow
def test_a_membership_change_the_hub_did_not_answer_in_time_is_not_said_to_be_unmade(tmp_path):
    """The hub's relay paused (stopped, swapped out, or its lock held by a long apply) while
    bob on leaf B leaves: B gave up after 3 s with "nothing was changed: the hub could not
    be asked: no answer within 3 s", but the request was waiting at the hub, which then took
    it, published it, and bob was gone on every host. B cannot know: it must not say so."""
    with team_on_two_hosts(tmp_path) as ((hub, leaf), alice, bob, code):
        wait_for(lambda: bob.run("join", code).code == 0, what="bob's join on B")
        assert hub.process is not None
        hub.process.send_signal(signal.SIGSTOP)
        try:
            left = bob.fails("leave", "team")
        finally:
            hub.process.send_signal(signal.SIGCONT)
        assert "nothing was changed" not in left.err, left.err
        assert "may still" in left.err and "no answer from the hub within 3 s" in left.err
        # what it warned of: the hub took the change, and it reached B too (a member who
        # left is no longer listed)
        for user in (alice, bob):
            wait_for(lambda user=user: [m["handle"] for m in user.ok(
                "members", "team", "--json").json()] == ["alice"],
                what=f"bob's leave as {user.name} sees it")
