"""Whether a relay holds this hub's run lock (`<hub>/.relay/relay.lock`): held for the relay's
life, let go by the kernel however it ends (relay.setup_checks.RunLock takes it).

Its status and link files alone say "not running" of a relay that runs but writes nothing (a
SIGSTOP, a stuck loop, a full disk): `peers relay status` then names it as running (exit 4),
and the TUI's indicator and `peers groups` say the relay is silent, not that it is not running
(`peers relay` refuses to start a second one). Only the relay's owner can look: `.relay/` is
mode 0700; for anyone else there is no holder to find.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from peers_tui.core.relay_file import RELAY_DIR

LOCK_FILE = "relay.lock"


def lock_holder(hub: Path) -> int | None:
    """The pid written by the relay that holds this hub's run lock (0 if unreadable), or None
    when no process holds it (or the lock cannot be read). A relay that cannot write its
    status (a full disk) or does not run its loop (SIGSTOP) still holds the lock: its status
    file alone called it "not running" and said to start it, which `peers relay` then
    refused. The shared lock taken to look is let go at once; a relay starting in that
    instant is told one runs, as it is told when there is one (RunLock tries again for a
    moment)."""
    try:
        fd = os.open(Path(hub) / RELAY_DIR / LOCK_FILE, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        text = os.read(fd, 32).decode("ascii", "replace").strip()
        return int(text) if text.isdigit() else 0
    except OSError:
        return None
    finally:
        os.close(fd)
    return None
