"""Ports for the servers tests and benchmarks start on loopback, leased so that no two
processes on this machine ever hold the same one.

A port found free is bound by its server only later (a relay's leaf port is chosen before
`peers relay init --listen` and bound when the relay starts, and again at each restart), so
two test processes probing at once could both find one port free, and the second server to
bind it failed ("address already in use"). A lease is an exclusive flock on a file named
after the port in a directory all of this user's processes share: another process cannot
take the port while this one lives and holds it (the kernel drops the lock when a process
dies, so a killed worker leaves nothing to clean up). Leased ports are below
relay.config.PORTS_FROM, so the ports peers itself chooses (client and monitoring ports,
ssh tunnels) never land on one either.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import socket
import tempfile
from pathlib import Path

from peers_tui.relay.config import PORTS_FROM

LEASED_FROM = 2000  # up to relay.config.PORTS_FROM: 8,000 ports for tests and benchmarks
TRIES = 500

_held: dict[int, int] = {}  # port -> the fd holding its lock


def lease_dir() -> Path:
    path = Path(tempfile.gettempdir()) / f"peers-test-ports-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def lease(port: int) -> bool:
    """Hold `port` for this process if no other process holds it and nothing is bound to it."""
    if port in _held:
        return False
    fd = os.open(lease_dir() / f"{port}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", port))
    except OSError:
        os.close(fd)
        return False
    _held[port] = fd
    return True


def leased_port() -> int:
    """A loopback port leased to this process until release_ports() (or its exit)."""
    for _ in range(TRIES):
        port = LEASED_FROM + secrets.randbelow(PORTS_FROM - LEASED_FROM)
        if lease(port):
            return port
    raise RuntimeError(f"no port free to lease in {LEASED_FROM}-{PORTS_FROM - 1}")



def held_ports() -> set[int]:
    return set(_held)


def release_ports(keep: set[int] | frozenset[int] = frozenset()) -> None:
    """Give back the ports this process leased but `keep` (their servers are stopped)."""
    for port in set(_held) - set(keep):
        os.close(_held.pop(port))
