"""What a stranger following the README met at the shell in the acceptance pass of issue 15
(three hosts on loopback, relays stopped, killed and cut while everyone writes; docs/relay.md
"Acceptance pass"): refusals one line naming what was refused and why, with a non-zero exit;
Ctrl+C on a relay without tracebacks; a relay whose nats-server was killed alone carrying on;
one token used on two hosts named as such."""

from __future__ import annotations

import time

import pytest

from tests.cli.test_relay import joined
from tests.conftest import User
from tests.relay_helpers import federation, paused_between_writes, stop_all, wait_for


def test_relay_commands_on_the_wrong_host_say_so_in_one_line(tmp_path):
    """`peers relay revoke` on a leaf, `peers relay rejected` where no relay was set up."""
    _, leaf = federation(tmp_path)
    error = leaf.peers().fails("relay", "revoke", "B").err
    assert "tokens are revoked on the hub host" in error, error
    nowhere = tmp_path / "D"
    nowhere.mkdir()
    for command in (("relay", "rejected"), ("relay", "rejected", "--json"), ("relay", "status")):
        error = User("admin", nowhere / "admin", nowhere / "hub").fails(*command).err
        assert "no relay set up for the hub" in error, (command, error)
        assert "database" not in error


def test_membership_refusals_name_the_change_and_how_long_the_hub_is_gone(tmp_path):
    """On a leaf whose relay was stopped, the hub has been out of reach since the relay's last
    word: the refusal says for how long, like a cut with the relay running does, and names
    the change in words ("change a role", not "role")."""
    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, bob, _ = joined(hub, leaf)
        leaf.stop()
        time.sleep(1.1)
        refusals = {("leave", "team"): "cannot leave now",
                    ("role", "team", "alice", "reader"): "cannot change a role now",
                    ("remove", "team", "alice"): "cannot remove a member now"}
        for args, start in refusals.items():
            error = bob.fails(*args).err
            assert start in error, error
            assert "relay is not running" in error, error
            assert "the hub A unreachable for 1s" in error or \
                "the hub A unreachable for 2s" in error, error
        leaf.start()
        wait_for(leaf.link_up, what="B's link back")
        hub.stop()
        wait_for(lambda: not leaf.link_up(), what="the leaf to see the cut")
        for args, start in refusals.items():
            error = bob.fails(*args).err
            assert start in error and "the hub A has been unreachable for" in error, error
    finally:
        stop_all(hosts)


def test_a_relay_without_its_extra_says_how_to_install_it_from_the_source(tmp_path):
    """peers is installed from its directory (`make run`, `pipx install .`), not from PyPI:
    `pip install 'peers-tui[relay]'` finds nothing there, so the hint names '.[relay]'."""
    import subprocess
    import sys

    from tests.relay_helpers import REPO

    hub, _ = federation(tmp_path)
    shadow = tmp_path / "without-nats" / "nats"
    shadow.mkdir(parents=True)  # what a Python without nats-py finds on import
    (shadow / "__init__.py").write_text("raise ImportError(\"No module named 'nats'\")\n")
    env = {**hub.env(), "PYTHONPATH": f"{shadow.parent}:{REPO}"}
    run = subprocess.run([sys.executable, "-m", "peers_tui", "relay"], env=env, text=True,
                         capture_output=True, timeout=60)
    assert run.returncode != 0 and "Traceback" not in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert "pip install '.[relay]'" in run.stderr, run.stderr


def test_a_join_that_loses_the_race_for_a_last_use_says_one_line(tmp_path):
    """A one-use invite used on the hub host and on leaf B at once: B's join, signed against
    a head the hub has moved past, is done again after the hub's change and then finds the
    invite used up. That is the one line B's user reads (not a progress note above it); the
    retry's note shows only when the retry goes through."""
    import signal

    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, bob, group_id = joined(hub, leaf)
        kim, lee = hub.user("kim"), leaf.user("lee")
        code = alice.ok("invite", "team").out.strip()
        wait_for(lambda: invites(leaf, group_id) == invites(hub, group_id), what="the invite on B")
        # B's relay paused (its status stays fresh for a few seconds, its server runs): B's
        # file does not get kim's join before lee signs against it, as in a race of ms.
        paused_between_writes(leaf, group_id)
        try:
            kim.ok("join", code)
            error = lee.fails("join", code).err
        finally:
            leaf.process.send_signal(signal.SIGCONT)
        assert error.strip() == "peers: invite was used up", error
        # A lost race that goes through the second time still says why it took longer.
        again = alice.ok("invite", "team", "--uses", "2").out.strip()
        wait_for(lambda: invites(leaf, group_id) == invites(hub, group_id), what="the invite on B")
        paused_between_writes(leaf, group_id)
        try:
            alice.ok("role", "team", "kim", "reader")
            result = lee.ok("join", again)
        finally:
            leaf.process.send_signal(signal.SIGCONT)
        assert "reached the hub first" in result.err, result.err
        handles = {m["handle"] for m in alice.ok("members", "team", "--json").json()}
        assert handles == {"alice", "bob", "kim", "lee"}
    finally:
        stop_all(hosts)


def invites(host, group_id: str) -> int:
    import sqlite3

    with sqlite3.connect(host.hub / f"{group_id}.db") as db:
        return int(db.execute("SELECT count(*) FROM invite").fetchone()[0])


def test_ctrl_c_in_the_relays_terminal_stops_it_without_a_traceback(tmp_path):
    """`peers relay` in tmux, stopped with Ctrl+C: the terminal sends SIGINT to its whole
    foreground process group. Its nats-server must not get it too and die under the relay's
    open client (nats-py then logged four tracebacks while the relay stopped)."""
    import os
    import signal
    import subprocess
    import sys

    from peers_tui.relay.config import load_config
    from peers_tui.relay.server import port_open

    (hub,) = federation(tmp_path, ("A",))
    relay = subprocess.Popen([sys.executable, "-m", "peers_tui", "relay"], env=hub.env(),
                             text=True, stderr=subprocess.PIPE, start_new_session=True)
    try:
        port = load_config(hub.hub).client_port
        wait_for(lambda: hub.status().get("running") or relay.poll() is not None,
                 what="the relay")
        os.killpg(relay.pid, signal.SIGINT)  # what Ctrl+C in its terminal does
        _, err = relay.communicate(timeout=30)
    finally:
        if relay.poll() is None:
            relay.kill()
    assert relay.returncode == 0, err
    assert "Traceback" not in err and "encountered error" not in err, err
    assert not port_open(port)  # and its server stopped with it


@pytest.mark.slow
def test_one_token_on_two_hosts_is_named_not_taken_for_a_bad_network(tmp_path):
    """A stranger gives leaf B's token to a second host too. The hub's server keeps one leaf
    connection a name and closes the other ("Duplicate Remote LeafNode Connection"), so both
    links come and go every few hundred ms; B's membership changes then failed with "no
    sequencer answers (is the hub's relay running?)". The leaves' status says what it is."""
    from peers_tui.testing.ports import leased_port
    from tests.relay_helpers import Host

    hub, leaf, twin = hosts = [Host(name, tmp_path / name) for name in ("A", "B", "B2")]
    for host in hosts:
        host.root.mkdir()
    hub.peers().ok("relay", "init", "--hub", "--name", "A", "--listen", f"127.0.0.1:{leased_port()}")
    token = hub.peers().ok("relay", "token", "--name", "B").out.strip()
    for host in (leaf, twin):
        host.peers().ok("relay", "init", "--leaf", token)
    try:
        hub.start()
        leaf.start()
        wait_for(leaf.link_up, what="B's link")
        twin.start()
        said = "the hub already has a link with this host's token: is it used by another host"
        wait_for(lambda: any(said in host.peers().ok("relay", "status").out
                             for host in (leaf, twin)), timeout=20,
                 what="a leaf's status to name the shared token")
        assert said in leaf.stderr() + twin.stderr()
    finally:
        stop_all(hosts)


@pytest.mark.slow
def test_a_relay_whose_nats_server_was_killed_starts_it_again(tmp_path):
    """The leaf's nats-server killed alone (the OOM killer, a stray kill -9): the relay went
    on with its link "down (hub unreachable)" for good, its posts unsent, and nats-py logged
    a traceback four times a second into its stderr."""
    import os
    import signal

    from tests.relay_helpers import bodies

    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, bob, _ = joined(hub, leaf)
        killed = leaf.nats_pid()
        os.kill(killed, signal.SIGKILL)
        wait_for(lambda: leaf.nats_pid() != killed and leaf.link_up(), timeout=20,
                 what="B's server started again and its link up")
        bob.ok("send", "team", "after B's server was killed")
        wait_for(lambda: "after B's server was killed" in bodies(alice), what="the post on A")
        assert "nats-server exited" in leaf.stderr(), leaf.stderr()
        assert "Traceback" not in leaf.stderr(), leaf.stderr()[-3000:]
    finally:
        stop_all(hosts)
