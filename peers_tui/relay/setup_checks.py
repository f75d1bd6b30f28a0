"""What every `peers relay` command checks of `<hub>/.relay/` before it uses it: that the
directory is still private, and (`peers relay` itself) that no other relay runs for the hub.

A `.relay/` someone opened to other users (chmod) holds the relay's credentials: the hub
relay's own password and every leaf's token, or a leaf's token. Put right silently (as the
relay did before), nobody learns that they may have been read; so each command refuses with
one line saying what to do, and nothing is changed.

Two relays for one hub (a second `peers relay` in another tmux window, or a systemd unit
beside a hand-started one) would publish and apply the same files twice over; the second
used to get as far as rewriting the first one's `nats.conf` (and starting its ssh tunnel)
before its server found the port taken. An exclusive lock on `.relay/relay.lock`, held for
the relay's life and released by the kernel however it ends, stops it first.
"""

from __future__ import annotations

import fcntl
import os
import stat
import time
from pathlib import Path

from peers_tui.core.relay_lock import LOCK_FILE, lock_holder
from peers_tui.relay.config import DIR_MODE, RelayError, relay_dir

__all__ = ["LOCK_FILE", "RunLock", "check_private", "lock_holder"]
LOOK_GRACE = 0.5  # a look holds the lock for microseconds; a process descheduled meanwhile, more


def check_private(hub: Path) -> None:
    """RelayError when `<hub>/.relay/` exists with any right for its group or others."""
    path = relay_dir(hub)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return
    if mode & 0o077:
        raise RelayError(f"{path} is mode {mode:04o}, open to other users, and holds the "
                         f"relay's credentials: make it private again (chmod {DIR_MODE:o} "
                         f"{path}); if others could read it, revoke and remake the tokens")


class RunLock:
    """This hub's one running relay: `acquire()` or RelayError naming the one that runs."""

    def __init__(self, hub: Path) -> None:
        self.path = relay_dir(hub) / LOCK_FILE
        self.fd: int | None = None

    def acquire(self) -> None:
        """The lock, tried again for LOOK_GRACE s: `relay status` (lock_holder) takes it
        shared for an instant to look, and a relay starting then was told one ran, "(pid
        ?)": a test polling the status of a relay it had just started failed so (h-linkdrop,
        docs/relay.md). A running relay holds it for good: refused after that moment."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        deadline = time.monotonic() + LOOK_GRACE
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() < deadline:
                    time.sleep(0.01)
                    continue
                holder = os.read(fd, 32).decode("ascii", "replace").strip()
                os.close(fd)
                raise RelayError(f"a relay already runs for this hub (pid {holder or '?'}); "
                                 "stop it first, or use 'peers relay status'") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
