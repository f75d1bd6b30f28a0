"""A leaf's SSH tunnel to the hub (`peers relay init --leaf TOKEN --ssh USER@HOST`).

The relay keeps `ssh -N -L 127.0.0.1:<local>:<hub's leaf host>:<port> USER@HOST` running
and its nats-server dials the local end; the hub's `no_advertise` keeps the leaf on it
(MULTIHOST pitfall 1). The hub's leaf address is the token's, as seen from the SSH server
(give the token `--address localhost:7422` when the hub listens on loopback only).

`ssh` runs with BatchMode (never a password prompt in a service), ExitOnForwardFailure (a
port it cannot forward ends it, rather than a tunnel that carries nothing) and
ServerAliveInterval 5 x 2 (a dead path ends it within ~10 s). When it ends it is started
again after a short backoff (0.5 s, doubling to 5 s, back to 0.5 s once it stayed up for
30 s), or at once when it had been up for 2 s or more (UP_AWHILE). While it waits after ssh could not reach the SSH server at all ("ssh: connect to host
..."), the relay tries a plain TCP connection to that server's address (as `ssh -G` resolves
it; not through a ProxyJump or ProxyCommand) at each check, and starts ssh as soon as one is
accepted: an sshd back after a long outage is used within a check, not after up to 5 s of
backoff (fourteenth acceptance pass). It gets PR_SET_PDEATHSIG like the relay's nats-server, so it dies with the relay even
on SIGKILL. Its stderr goes to `<hub>/.relay/ssh.log`; its last line is the tunnel's problem
in `peers relay status`.
"""

from __future__ import annotations

import errno
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from peers_tui.relay.config import RelayConfig, RelayError, free_port, relay_dir, write_private
from peers_tui.relay.server import _die_with_parent

FIRST_BACKOFF = 0.5
MAX_BACKOFF = 5.0
STEADY = 30.0  # up this long: the next failure starts again from the first backoff
# A tunnel that carried the link this long and then ended (its ssh killed, the connection
# reset) is started again at once: the backoff is for an ssh that cannot get up. Before, ssh
# killed every 10-15 s came back after 0.5, 1, 2, 4, 5 s (sixteenth acceptance pass).
UP_AWHILE = 2.0
LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp
UNREACHED = "ssh: connect to host"  # OpenSSH's words when no TCP connection was made


def hub_address(config: RelayConfig) -> tuple[str, int]:
    """The hub's leaf host and port from the token's URL (nats-leaf://HOST:PORT)."""
    _, _, address = config.hub_url.partition("://")
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise RelayError(f"the hub's address {config.hub_url!r} has no HOST:PORT to tunnel to")
    return host.strip("[]"), int(port)


def listening(port: int) -> bool:
    """Whether something listens on TCP `port` on this host (the tunnel's local end).
    Read from /proc: connecting would open a forwarded connection to the hub."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as lines:
                next(lines, None)
                for line in lines:
                    fields = line.split()
                    if len(fields) > 3 and fields[3] == LISTEN and \
                            int(fields[1].rsplit(":", 1)[1], 16) == port:
                        return True
        except OSError:
            continue
    return False


def ssh_server(via: str, options: list[str]) -> tuple[str, int] | None:
    """The SSH server's host and port as ssh resolves them for `via` (`ssh -G`: the options,
    then the user's ssh config), or None when a proxy stands between or ssh cannot say."""
    command = ["ssh", "-G", *(arg for option in options for arg in ("-o", option)), "--", via]
    try:
        said = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = dict(line.split(" ", 1) for line in said.splitlines() if " " in line)
    if found.get("proxyjump", "none") != "none" or found.get("proxycommand", "none") != "none":
        return None
    port = found.get("port", "")
    return (found["hostname"], int(port)) if found.get("hostname") and port.isdigit() else None


class ServerProbe:
    """A TCP connection to the SSH server, never blocking the relay's loop: each `back()`
    looks at the one started by the call before (connected: the server is back) and starts
    the next."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.address = address
        self.sock: socket.socket | None = None

    def back(self) -> bool:
        sock, self.sock = self.sock, None
        if sock is not None:
            with sock:
                if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0 and \
                        sock.connect_ex(self.address) in (0, errno.EISCONN):
                    return True
        try:
            family = socket.getaddrinfo(*self.address, type=socket.SOCK_STREAM)[0][0]
            self.sock = socket.socket(family, socket.SOCK_STREAM)
            self.sock.setblocking(False)
            if self.sock.connect_ex(self.address) == 0:
                self.close()
                return True
        except OSError:
            self.close()
        return False

    def close(self) -> None:
        sock, self.sock = self.sock, None
        if sock is not None:
            sock.close()


class Tunnel:
    """The ssh process of one leaf relay and what `peers relay status` says about it."""

    def __init__(self, config: RelayConfig, hub: Path) -> None:
        self.via = config.ssh
        self.options = list(config.ssh_options)
        self.target = hub_address(config)
        self.local_port = free_port()
        self.log_path = relay_dir(hub) / "ssh.log"
        self.pid_path = relay_dir(hub) / "ssh.pid"
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self.since = time.time()
        self.was_up = False
        self.restarts = 0
        self.backoff = FIRST_BACKOFF
        self.next_start = 0.0
        self.problem: str | None = None
        self.log_start = 0  # where this ssh's lines begin in ssh.log
        # The local port was taken by another program and another chosen: the relay's
        # server must dial the new one (link_upkeep._link_once restarts it).
        self.moved = False
        server = ssh_server(self.via, self.options)
        self.probe = ServerProbe(server) if server is not None else None

    @property
    def local_url(self) -> str:
        return f"nats-leaf://127.0.0.1:{self.local_port}"

    def command(self) -> list[str]:
        host, port = self.target
        forward = f"127.0.0.1:{self.local_port}:{host}:{port}"
        options = [arg for option in self.options for arg in ("-o", option)]
        return ["ssh", "-N", "-o", "ExitOnForwardFailure=yes", "-o", "ServerAliveInterval=5",
                "-o", "ServerAliveCountMax=2", "-o", "BatchMode=yes", *options,
                "-L", forward, "--", self.via]

    def start(self) -> None:
        """Start ssh (called from the relay's main thread: PDEATHSIG follows that thread)."""
        with open(self.log_path, "ab") as log:
            log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} ssh to {self.via}\n".encode())
            log.flush()
            self.log_start = log.tell()
            try:
                self.process = subprocess.Popen(
                    self.command(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=log, preexec_fn=_die_with_parent, close_fds=True,
                    process_group=0)  # Ctrl+C stops the relay, which stops ssh (server.py)
            except OSError as exc:
                self.process = None
                self.problem = f"ssh cannot be started: {exc}"
                return
        self.started = time.monotonic()
        write_private(self.pid_path, f"{self.process.pid}\n")

    def check(self) -> None:
        """Notice a dead ssh and start it again once its backoff has passed."""
        process = self.process
        now = time.monotonic()
        if process is not None and process.poll() is None:
            up = listening(self.local_port)
            if up and not self.was_up:
                self.problem = None
            self._note(up)
            if up and now - self.started > STEADY:
                self.backoff = FIRST_BACKOFF
            return
        if process is not None:  # it ended: say why, wait, start again
            self.problem = f"ssh exited ({process.returncode}): {self.last_log_line()}"
            if self._port_taken():  # chosen free at the start, bound by another since
                self.local_port = free_port()
                self.moved = True
            self.process = None
            if self.was_up and time.time() - self.since >= UP_AWHILE:  # it worked: at once
                self.next_start, self.backoff = now, FIRST_BACKOFF
            else:
                self.next_start = now + self.backoff
                self.backoff = min(MAX_BACKOFF, self.backoff * 2)
            self._note(False)
        if now < self.next_start and self.probe is not None and \
                (self.problem or "").partition(": ")[2].startswith(UNREACHED):
            if self.probe.back():  # the SSH server accepts again: no need to wait
                self.next_start = now
        if now >= self.next_start:
            if self.probe is not None:
                self.probe.close()
            self.restarts += 1 if self.started else 0
            self.start()

    def _note(self, up: bool) -> None:
        if up != self.was_up:
            self.was_up = up
            self.since = time.time()

    def stop(self) -> None:
        if self.probe is not None:
            self.probe.close()
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _port_taken(self) -> bool:
        """Whether this ssh could not listen on its local port (ExitOnForwardFailure ended it):
        OpenSSH says "bind [127.0.0.1]:PORT: Address already in use" and "cannot listen to
        port: PORT"."""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(self.log_start)
                said = log.read().decode(errors="replace")
        except OSError:
            return False
        return f"cannot listen to port: {self.local_port}" in said

    def last_log_line(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return lines[-1][-300:] if lines and not lines[-1].startswith("---") else "no message"

    def state(self) -> dict[str, Any]:
        return {"via": self.via, "up": self.was_up, "since": self.since,
                "local_port": self.local_port, "restarts": self.restarts,
                "pid": self.process.pid if self.process is not None else None,
                "problem": None if self.was_up else self.problem}

