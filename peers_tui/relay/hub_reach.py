"""Whether this host's relay runs and its link to the hub is up, from the relay's status file
(`<hub>/.relay/status.json`, written at once when a link changes and every few seconds):
asked before a membership change is put to the hub (ordering.py) and by `peers relay status`
(commands.py).

A status says "running" until the next one: a relay killed (SIGKILL) left it so for up to
STALE_STATUS, and a change asked for then went to a relay that was gone. Its process is
looked for too.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from peers_tui.core.process_state import process_exists
from peers_tui.relay.config import ago, relay_dir

STALE_STATUS = 5.0  # a running relay writes its status more often than this (runner.py)
NOT_RUNNING = "this host's relay is not running (start it: peers relay)"


def relay_alive(status: dict[str, Any]) -> bool:
    """The relay that wrote `status` runs: it said so, not long ago, and its process exists
    and has not died (a zombie not reaped yet: core.process_state). One stopped (SIGSTOP) for
    less than STALE_STATUS still passes a membership change on: its server does."""
    try:
        recent = time.time() - float(status.get("updated", 0)) < STALE_STATUS
    except (TypeError, ValueError):
        return False
    pid = status.get("pid")
    return (bool(status.get("running")) and recent
            and (not isinstance(pid, int) or pid <= 0 or process_exists(pid)))


def link_down_reason(hub: Path) -> str | None:
    """Why the hub cannot be asked now (from the relay's status file), or None: it can."""
    try:
        status: dict[str, Any] = json.loads((relay_dir(hub) / "status.json").read_text())
    except (OSError, ValueError):
        return NOT_RUNNING
    if not isinstance(status, dict) or not relay_alive(status):
        return NOT_RUNNING
    link = status.get("link") or {}
    return down_words(link.get("to"), bool(link.get("up")), link.get("since"),
                      link.get("hub_relay_silent_since"))


def down_words(hub_name: object, up: bool, since: object, silent_since: object) -> str | None:
    """Why the hub cannot take a change now, from a leaf's link (the status file's, or the
    relay's own: desk.py): the link down, or the hub's relay silent under its answering
    server (hub_heard.py: a change asked then waited for its timeout); None: it can."""
    if not up:
        return f"the hub {hub_name} has been unreachable for {ago(since)}"
    if isinstance(silent_since, (int, float)):
        return (f"the relay of the hub {hub_name} has not answered for {ago(silent_since)} "
                "(its server answers: that relay is stopped or stuck)")
    return None
