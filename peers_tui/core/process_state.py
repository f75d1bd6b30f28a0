"""Whether the process a relay's file names runs: it exists, has not died, and is not stopped.

`kill(pid, 0)` answers for a process that was killed but not yet reaped by its parent (a
zombie: a relay SIGKILLed under a supervisor that has not waited for it yet), and for one
stopped with SIGSTOP. The 27th acceptance pass saw `peers relay status` call a zombie relay
running, its link up (1.5 s there; as long as its parent does not wait), and the TUI's `⇅ hub
✓` and `peers groups` `✓` for 20 s on a SIGSTOPped one (the link file's age bound), while
`peers relay status` called it silent after 5 s and the messages written meanwhile waited.
A zombie is not running anywhere (core.link_state.LinkState.alive, relay.hub_reach); a stopped
relay is shown as silent once it has missed a heartbeat (LinkState.answers), and `peers relay
status` names the stop. Linux says which in /proc/PID/stat; elsewhere (or unreadable) the
process is taken as running, as before.
"""

from __future__ import annotations

import os

GONE = frozenset("ZXx")      # a zombie, or dead: exited, waiting to be reaped
STOPPED = frozenset("Tt")    # SIGSTOP (or a debugger): holds its locks, does nothing


def process_state(pid: int) -> str | None:
    """The state letter of /proc/PID/stat (`R`, `S`, `Z`, `T`, ...), or None when unknown.
    The name in parentheses may hold spaces and parentheses: the state follows the last ')'."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            text = stat.read(512)
    except OSError:
        return None
    _, _, rest = text.rpartition(b")")
    fields = rest.split()
    return fields[0].decode("ascii", "replace") if fields else None


def process_exists(pid: int) -> bool:
    """Whether process `pid` exists and has not died (one of another Unix user too: EPERM)."""
    try:
        os.kill(pid, 0)
    except PermissionError:
        pass
    except (OSError, OverflowError):
        return False
    return process_state(pid) not in GONE


def process_runs(pid: int) -> bool:
    """`process_exists`, and not stopped (SIGSTOP): a relay that can answer."""
    if not process_exists(pid):
        return False
    return process_state(pid) not in STOPPED
