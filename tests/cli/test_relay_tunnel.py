"""`peers relay init --leaf TOKEN --ssh USER@HOST`: the leaf's relay keeps an SSH tunnel up
for the leaf link. A real sshd of the test's own on a free loopback port (temp host key,
authorized_keys, client key and known_hosts), real relays, real users."""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from peers_tui.relay.server import port_open
from peers_tui.testing.ports import leased_port
from tests.relay_helpers import Host, bodies, stop_all, wait_for

SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if os.path.exists("/usr/sbin/sshd") else None)
PRIVSEP = Path("/run/sshd")

pytestmark = pytest.mark.skipif(
    SSHD is None or shutil.which("ssh") is None or shutil.which("ssh-keygen") is None,
    reason="needs OpenSSH's sshd, ssh and ssh-keygen (apt-get install openssh-server)")


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie does not). Reaped between the signal and the read, its
    stat is gone (ENOENT) or unreadable (ESRCH): the first lane saw the latter once."""
    try:
        os.kill(pid, 0)
        with open(f"/proc/{pid}/stat") as proc:
            return proc.read().split()[2] != "Z"
    except (ProcessLookupError, FileNotFoundError):
        return False


class SshServer:
    """An sshd on 127.0.0.1:<free port> that lets this user in with a fresh key, stopped and
    started again at will on the same port with the same keys, and the ssh options a client
    needs to reach it (no other config, known host pinned)."""

    def __init__(self, tmp_path: Path) -> None:
        self.log = tmp_path / "sshd.log"
        keys = tmp_path / "ssh"
        keys.mkdir(mode=0o700)
        for name in ("host", "client"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                            str(keys / name)], check=True)
        (keys / "authorized_keys").write_text((keys / "client.pub").read_text())
        self.port = port = leased_port()
        host_key = (keys / "host.pub").read_text().split()
        (keys / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key[0]} {host_key[1]}\n")
        self.config = keys / "sshd_config"
        self.config.write_text("\n".join([
            f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {keys / 'host'}",
            f"AuthorizedKeysFile {keys / 'authorized_keys'}", f"PidFile {keys / 'sshd.pid'}",
            "StrictModes no", "UsePAM no", "PasswordAuthentication no",
            "KbdInteractiveAuthentication no", "PubkeyAuthentication yes", "PermitRootLogin yes",
            "AllowTcpForwarding yes", "LogLevel ERROR"]) + "\n")
        self.options = [f"Port={port}", f"IdentityFile={keys / 'client'}", "IdentitiesOnly=yes",
                        f"UserKnownHostsFile={keys / 'known_hosts'}",
                        "GlobalKnownHostsFile=/dev/null", "StrictHostKeyChecking=yes",
                        "ConnectTimeout=5"]
        self.target = f"{getpass.getuser()}@127.0.0.1"
        self.server: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.server = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(self.config)],
                                       stderr=open(self.log, "a"))
        wait_for(lambda: port_open(self.port) or self.server.poll() is not None, what="sshd")
        assert self.server.poll() is None, self.log.read_text()

    def kill(self) -> None:
        """SIGKILL the listening sshd and each connection's sshd (the tunnel's): as a host
        whose sshd dies, or whose machine is gone."""
        server, self.server = self.server, None
        if server is None:
            return
        children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True,
                                  text=True).stdout.split()
        for pid in [server.pid, *map(int, children)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        server.wait(timeout=10)


@pytest.fixture
def sshd_server(tmp_path):
    if not PRIVSEP.is_dir():
        if os.geteuid() != 0:
            pytest.skip(f"sshd needs its privilege separation directory {PRIVSEP}")
        PRIVSEP.mkdir(mode=0o755)
    server = SshServer(tmp_path)
    server.start()
    yield server
    server.kill()


@pytest.fixture
def sshd(sshd_server):
    """The target and the ssh options of a running sshd (SshServer)."""
    return sshd_server.target, sshd_server.options


def tunnel_state(host: Host) -> dict:
    return host.status().get("tunnel") or {}


def tunnelled_pair(tmp_path, target: str, options: list[str]):  # noqa: ANN201
    """A hub A on loopback and a leaf B set up to reach it through ssh to `target`; (hub,
    leaf, what the leaf's init printed, the hub's port). Neither started."""
    hub, leaf = Host("A", tmp_path / "A"), Host("B", tmp_path / "B")
    for host in (hub, leaf):
        host.root.mkdir()
    hub_port = leased_port()
    hub.peers().ok("relay", "init", "--hub", "--name", "A", "--listen", f"127.0.0.1:{hub_port}")
    token = hub.peers().ok("relay", "token", "--name", "B").out.strip()
    ssh_args = [arg for option in options for arg in ("--ssh-option", option)]
    printed = leaf.peers().ok("relay", "init", "--leaf", token, "--ssh", target, *ssh_args).out
    return hub, leaf, printed, hub_port


def test_the_leaf_link_goes_through_an_ssh_tunnel_kept_up_by_the_relay(tmp_path, sshd):
    target, options = sshd
    hub, leaf, printed, hub_port = tunnelled_pair(tmp_path, target, options)
    assert "through ssh" in printed
    try:
        hub.start()
        leaf.start()
        wait_for(leaf.link_up, timeout=20, what="the leaf link through the tunnel")
        state = tunnel_state(leaf)
        assert state["up"] and state["via"] == target and state["restarts"] == 0
        # The leaf's server dials the tunnel's local end, never the hub's port itself.
        conf = (leaf.hub / ".relay" / "nats.conf").read_text()
        assert f"127.0.0.1:{state['local_port']}" in conf and str(hub_port) not in conf
        status_text = leaf.peers().ok("relay", "status").out
        assert f"ssh tunnel via {target}: up for" in status_text, status_text

        alice, bob = hub.user("alice"), leaf.user("bob")
        alice.ok("create", "team")
        code = alice.ok("invite", "team").out.strip()
        wait_for(lambda: bob.run("join", code).code == 0, what="bob's join through the tunnel")
        alice.ok("send", "team", "over ssh")
        wait_for(lambda: "over ssh" in bodies(bob), what="A's message on B")

        first = state["pid"]
        os.kill(first, signal.SIGKILL)  # the tunnel dies: the relay notices, starts it again
        wait_for(lambda: not alive(first), what="the ssh process to die")
        wait_for(lambda: tunnel_state(leaf).get("restarts", 0) >= 1 and tunnel_state(leaf)["up"]
                 and tunnel_state(leaf)["pid"] != first, what="the tunnel back up")
        wait_for(leaf.link_up, what="the link back through the new tunnel")
        bob.ok("send", "team", "after the tunnel came back")
        wait_for(lambda: "after the tunnel came back" in bodies(alice), what="B's message on A")
        alice.ok("send", "team", "and back again")
        wait_for(lambda: "and back again" in bodies(bob), what="A's reply on B")
        assert bodies(alice) == bodies(bob)

        second = tunnel_state(leaf)["pid"]
        leaf.stop(signal.SIGKILL)  # no orphan ssh, as no orphan nats-server
        wait_for(lambda: not alive(second), timeout=5, what="the orphaned ssh to die")
    finally:
        stop_all([hub, leaf])


def test_a_tunnel_whose_local_port_another_program_took_moves_to_another(tmp_path, sshd):
    """ssh dies; before it is started again another program listens on its local port (chosen
    free when the relay started): ssh cannot forward it and exits. The relay chooses another
    port and restarts its server to dial it (before: ssh failed on the same port every time,
    the link down for good)."""
    target, options = sshd
    hub, leaf = Host("A", tmp_path / "A"), Host("B", tmp_path / "B")
    for host in (hub, leaf):
        host.root.mkdir()
    hub.peers().ok("relay", "init", "--hub", "--name", "A", "--listen", f"127.0.0.1:{leased_port()}")
    token = hub.peers().ok("relay", "token", "--name", "B").out.strip()
    ssh_args = [arg for option in options for arg in ("--ssh-option", option)]
    leaf.peers().ok("relay", "init", "--leaf", token, "--ssh", target, *ssh_args)
    taken = socket.socket()
    try:
        hub.start()
        leaf.start()
        wait_for(leaf.link_up, timeout=20, what="the leaf link through the tunnel")
        first = tunnel_state(leaf)
        os.kill(first["pid"], signal.SIGKILL)
        wait_for(lambda: not alive(first["pid"]), what="the ssh process to die")
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # its closed connections
        taken.bind(("127.0.0.1", first["local_port"]))
        taken.listen()
        wait_for(lambda: tunnel_state(leaf).get("up") and tunnel_state(leaf)["local_port"]
                 != first["local_port"], timeout=20, what="the tunnel up on another port")
        wait_for(leaf.link_up, timeout=20, what="the link back through the moved tunnel")
        conf = (leaf.hub / ".relay" / "nats.conf").read_text()
        assert f"127.0.0.1:{tunnel_state(leaf)['local_port']}" in conf
        assert "cannot listen to port" in (leaf.hub / ".relay" / "ssh.log").read_text()
        alice, bob = hub.user("alice"), leaf.user("bob")
        alice.ok("create", "team")
        code = alice.ok("invite", "team").out.strip()
        wait_for(lambda: bob.run("join", code).code == 0, what="bob's join through the tunnel")
    finally:
        taken.close()
        stop_all([hub, leaf])


def test_ssh_is_for_leaves_and_wants_a_user_at_host(tmp_path):
    hub = Host("A", tmp_path / "A")
    hub.root.mkdir()
    assert "--ssh is for a leaf" in hub.peers().fails(
        "relay", "init", "--hub", "--ssh", "me@there").err
    hub.peers().ok("relay", "init", "--hub", "--name", "A", "--listen", f"127.0.0.1:{leased_port()}")
    token = hub.peers().ok("relay", "token", "--name", "B").out.strip()
    leaf = Host("B", tmp_path / "B")
    leaf.root.mkdir()
    failed = leaf.peers().fails("relay", "init", "--leaf", token, "--ssh=-oProxyCommand=x")
    assert "--ssh wants USER@HOST" in failed.err and failed.err.count("\n") == 1
    assert "--ssh-option needs --ssh" in leaf.peers().fails(
        "relay", "init", "--leaf", token, "--ssh-option", "Port=22").err


@pytest.mark.slow  # ~30 s: the backoff must reach its longest first
def test_a_tunnel_is_up_within_two_seconds_of_its_sshd_coming_back(tmp_path, sshd_server):
    """The SSH server itself dies (SIGKILL, the tunnel's connection with it) and stays away
    long enough for ssh's backoff to reach its longest (5 s); it comes back just after a
    failed attempt. The relay probes the server's port and starts ssh at once: the link is up
    within 2 s (before: the next attempt came up to 5 s later, 3.1 and 4.9 s in the
    fourteenth acceptance pass)."""
    hub, leaf, _, _ = tunnelled_pair(tmp_path, sshd_server.target, sshd_server.options)
    try:
        hub.start()
        leaf.start()
        wait_for(leaf.link_up, timeout=20, what="the leaf link through the tunnel")
        sshd_server.kill()
        wait_for(lambda: not leaf.link_up(), what="the link down with the SSH server")
        # ssh fails at once ("Connection refused"), its backoff doubles: 0.5, 1, 2, 4, 5 s
        wait_for(lambda: tunnel_state(leaf).get("restarts", 0) >= 5, timeout=30,
                 what="the tunnel's backoff at its longest")
        seen = tunnel_state(leaf)["restarts"]
        wait_for(lambda: tunnel_state(leaf)["restarts"] > seen and "Connection refused" in
                 (tunnel_state(leaf).get("problem") or ""), timeout=15,
                 what="one more failed attempt")
        time.sleep(0.5)  # that attempt's failure noticed: the next one is its backoff away
        sshd_server.start()
        back = time.time()  # the SSH server listens again
        wait_for(leaf.link_up, timeout=15, what="the link back through the tunnel")
        # When the relay saw the link up (its own clock, not this test's polling, which
        # starts a `peers relay status` process a look: ~1 s each at load 15)
        status = leaf.status()
        took = status["link"]["since"] - back
        tunnel = status["tunnel"]["since"] - back
        # The tunnel within 2 s (ssh's handshake at load); the link 250 ms of the leaf's
        # reconnect and one check of the relay later (main: 4.5 s for both)
        assert tunnel <= 2.0 and took <= 2.5, \
            f"the link came back {took:.1f} s after the SSH server (the tunnel {tunnel:.1f} s)"
        alice, bob = hub.user("alice"), leaf.user("bob")
        alice.ok("create", "team")
        code = alice.ok("invite", "team").out.strip()
        wait_for(lambda: bob.run("join", code).code == 0, what="bob's join through the tunnel")
    finally:
        stop_all([hub, leaf])


@pytest.mark.slow  # ~30 s: four kills, each after the tunnel was back a few seconds
def test_a_tunnel_whose_ssh_is_killed_again_and_again_comes_back_at_once(tmp_path, sshd):
    """The tunnel's ssh process SIGKILLed while the SSH server stays up (sixteenth acceptance
    pass: six kills 11-15 s apart, the link back 2.4, 2.6, 4.4, 6.4, 7.2 and 6.4 s later):
    each restart had doubled the backoff (0.5, 1, 2, 4, 5 s), reset only by 30 s up. A
    tunnel that had been up is started again at once: each time the tunnel is up within 2 s
    of the kill (main: 4 s and more at the fourth)."""
    target, options = sshd
    hub, leaf, _, _ = tunnelled_pair(tmp_path, target, options)
    try:
        hub.start()
        leaf.start()
        wait_for(leaf.link_up, timeout=20, what="the leaf link through the tunnel")
        took = []
        for _ in range(4):
            time.sleep(3)  # up a while, far less than the 30 s that reset the backoff
            pid = tunnel_state(leaf)["pid"]
            killed = time.time()
            os.kill(pid, signal.SIGKILL)
            wait_for(lambda pid=pid: (tunnel_state(leaf).get("pid") not in (None, pid)
                                      and tunnel_state(leaf).get("up")), timeout=20,
                     what="the tunnel started again")
            took.append(tunnel_state(leaf)["since"] - killed)  # the relay's own clock
        # Within 3.5 s: ssh's own start under a loaded CI took 2.2 s once (1.0, 0.9, 2.2,
        # 1.2); the doubled backoff waited 4 s before the fourth start alone.
        assert max(took) <= 3.5, f"the tunnel back {', '.join(f'{t:.1f}' for t in took)} s after each kill"
        wait_for(leaf.link_up, timeout=15, what="the link through the last tunnel")
    finally:
        stop_all([hub, leaf])
