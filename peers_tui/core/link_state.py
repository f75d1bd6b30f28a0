"""The relay's link state as every user of the hub may read it: `<hub>/.link.json`.

The relay keeps its own state in `<hub>/.relay/` (mode 0700: credentials), which ordinary
users' TUI and CLI cannot read. So it also publishes this small file, mode 0644, written whole
and renamed into place on each change (at most about once a second while things change, and
every HEARTBEAT seconds while nothing does). The relay imports the writer from here; the TUI
and the CLI read it without the relay extra installed.

The file lies in the hub, which every user may write: it is untrusted input. Anything that is
not exactly the format below reads as "no link state" (never a traceback; one group's part:
core.group_sync), host names must be relay host names, ids must look like ids, and every
string is shown through core.names.

Format (JSON object, version 1):
    hub_offset_ms (first, for core.hub_refused's read without a parse: the hub's clock less
             this host's, as the relay last measured it, null until it has; 0 on the hub),
    host_clock (second, read so too: [this host's wall clock in ms, its boot clock in ms at
             that moment, the boot's id], or null without /proc: a writer's clock bound),
    v: 1, host, role ("hub" | "leaf"), to (the hub's name, on a leaf), pid, running,
    updated (unix seconds), up, since (unix seconds of the last change), rtt_ms,
    hub_relay_silent (a leaf, its link up: unix seconds the hub's relay was last heard, once
             it has been silent a while; else null),
    groups: {group id: {unsent, sent (the local message rowid stored upstream up to),
             invites (the local invite id stored upstream up to; counted from while the relay
             is stopped: core.stopped_unsent),
             frontier (the oldest message id received when history below it is still coming,
             else null), receiving (0..1 while a backfill runs, else null), refused (records
             of this host the hub refused), refused_ids (the message ids among them),
             refused_by ([author, count] pairs: whose they are, where the relay could tell),
             void, void_ids, void_by (the same three of those among them a cut voided:
             told in the hub's words, not as refused; absent in a file of before h-left15),
             unsent_by ([author, count] pairs: whose the unsent messages are, so each user is
             told of their own, as the log marks them; `unsent` stays the host's figure),
             passed (while hub_relay_silent: the rowid `sent` was when the hub's relay last
             answered, what it passed on as far as known; else null)}},
    arrivals: [{group, host, count, oldest, newest, at}]: the last batches of messages this
             relay applied from other hosts, by the host they came from (newest last).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from peers_tui.core.group_sync import (  # (one group's part: its fields, its reading)
    MAX_REFUSED, MESSAGE_ID, USER_ID, GroupSync, group_sync,
)
from peers_tui.core.group_sync import count as _count
from peers_tui.core.group_sync import match as _match
from peers_tui.core.group_sync import number as _number
from peers_tui.core.group_sync import optional as _optional
from peers_tui.core.hub_refused import HUB_OFFSET_BOUND, stamp_of
from peers_tui.core.process_state import process_exists, process_runs
from peers_tui.core.relay_file import (
    RELAY_DIR, read_relay_json, relay_owner, write_relay_file,
)

LINK_FILE = ".link.json"
VERSION = 1
HEARTBEAT = 5.0          # the relay rewrites the file at least this often while it runs
STALE_AFTER = 20.0       # older than this, the relay counts as not running
MAX_ARRIVALS = 32
HOST = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")   # relay.config.HOST_NAME
GROUP = re.compile(r"^[a-z2-7]{26}$")


@dataclass(frozen=True)
class Arrival:
    """Messages of one group the relay applied from another host in one go."""

    group: str
    host: str
    count: int
    oldest: str
    newest: str
    at: float


# Why a leaf's link is down when waiting will not bring it back (relay.link): one of these
# words, never the relay's own text (the file is read as untrusted: anything else is none).
TOKEN_REFUSED, TOKEN_SHARED = "token refused", "token used by another host"
PROBLEMS = (TOKEN_REFUSED, TOKEN_SHARED)


@dataclass(frozen=True)
class LinkState:
    host: str
    role: str
    pid: int
    running: bool
    updated: float
    up: bool
    since: float
    rtt_ms: float | None = None
    to: str | None = None
    groups: dict[str, GroupSync] = field(default_factory=dict)
    arrivals: tuple[Arrival, ...] = ()
    problem: str | None = None  # why the link is down, when it is not the network: PROBLEMS
    hub_offset_ms: int | None = None  # the hub's clock less this host's (relay.hub_clock)
    # A leaf whose link is up but whose hub's RELAY has not answered a while: when it was
    # last heard (relay.hub_heard); None while it answers, and on the hub
    hub_relay_silent: float | None = None
    host_clock: tuple[int, int, str] | None = None  # (wall ms, boot ms, boot id): hub_refused

    @property
    def unsent(self) -> int:
        return sum(sync.unsent for sync in self.groups.values())

    def to_json(self) -> dict[str, Any]:
        # Field by field, not dataclasses.asdict: its deep copy of every value was ~0.7 ms of
        # the relay's CPU a write with 32 arrivals (one write a second while messages flow).
        # The offset first: the lean `peers send` reads it from the file's head (hub_refused).
        data: dict[str, Any] = {"hub_offset_ms": self.hub_offset_ms, "host_clock": self.host_clock}
        data.update((name, getattr(self, name)) for name in _SCALARS)
        data["groups"] = {group_id: {name: getattr(sync, name) for name in _SYNC_FIELDS}
                          for group_id, sync in self.groups.items()}
        data["arrivals"] = [{name: getattr(arrival, name) for name in _ARRIVAL_FIELDS}
                            for arrival in self.arrivals]
        data["problem"] = self.problem
        data["v"] = VERSION
        return data

    def alive(self, now: float | None = None) -> bool:
        """The relay that wrote this still runs: it said so, not too long ago, and its
        process exists and has not died (core.process_state; one of another user is alive
        too: EPERM)."""
        now = time.time() if now is None else now
        if not self.running or now - self.updated > STALE_AFTER or self.pid <= 0:
            return False
        return process_exists(self.pid)

    def answers(self, now: float | None = None) -> bool:
        """`alive`, unless its process is stopped (SIGSTOP) and has missed a HEARTBEAT: what
        users are shown. The file of a stopped relay looked fresh for STALE_AFTER, and the
        TUI said `⇅ hub ✓` and `peers groups` `✓` that long while nothing moved (the 27th
        acceptance pass); now as long as `peers relay status` took (hub_reach.STALE_STATUS).
        A stop of a moment is not shown; a membership change goes through its server (alive)."""
        now = time.time() if now is None else now
        if not self.alive(now):
            return False
        return now - self.updated <= HEARTBEAT or process_runs(self.pid)

    def group(self, group_id: str) -> GroupSync | None:
        return self.groups.get(group_id)


_SYNC_FIELDS = tuple(f.name for f in fields(GroupSync))
_ARRIVAL_FIELDS = tuple(f.name for f in fields(Arrival))
_SCALARS = tuple(f.name for f in fields(LinkState)
                 if f.name not in ("groups", "arrivals", "problem", "hub_offset_ms", "host_clock"))


def link_path(hub: Path) -> Path:
    return Path(hub) / LINK_FILE


def relay_configured(hub: Path) -> bool:
    """Whether this hub has a relay set up (its private directory exists)."""
    return (Path(hub) / RELAY_DIR).is_dir()


# ----------------------------------------------------------------- writing (the relay)
def write_link_state(hub: Path, state: LinkState) -> None:
    """Write the file whole under a temporary name and rename it into place (readers never
    see half a file), mode 0644 whatever the umask. OSError if the hub cannot take it."""
    text = json.dumps(state.to_json(), ensure_ascii=True, separators=(",", ":"))
    write_relay_file(hub, LINK_FILE, text)


# ----------------------------------------------------------------- reading (everyone)
def read_link_state(hub: Path) -> LinkState | None:
    """The link state, or None when there is none or it is not one (missing, unreadable,
    not owned by the relay's owner, too large, not JSON, a field of the wrong type or shape):
    never an exception. Only the owner of `<hub>/.relay/` speaks for the relay: in a hub
    with the sticky bit, another user's file put there first could not even be replaced."""
    return read_relay_json(link_path(hub), relay_owner(hub), parse_link_state)


def _offset(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > HUB_OFFSET_BOUND:
        raise ValueError("not an offset")
    return value


def _arrival(data: Any) -> Arrival:
    if not isinstance(data, dict):
        raise ValueError("not an arrival")
    return Arrival(group=_match(GROUP, data["group"]), host=_match(HOST, data["host"]),
                   count=_count(data["count"]), oldest=_match(MESSAGE_ID, data["oldest"]),
                   newest=_match(MESSAGE_ID, data["newest"]), at=_number(data["at"]))


def parse_link_state(data: Any) -> LinkState:
    """A LinkState from the decoded JSON; ValueError (or TypeError, KeyError) if it is not one."""
    if not isinstance(data, dict) or data.get("v") != VERSION:
        raise ValueError("not a link state of this version")
    role = data["role"]
    if role not in ("hub", "leaf"):
        raise ValueError("unknown role")
    groups = data.get("groups", {})
    arrivals = data.get("arrivals", [])
    if not isinstance(groups, dict) or not isinstance(arrivals, list):
        raise ValueError("groups or arrivals of the wrong type")
    running, up = data["running"], data["up"]
    if not isinstance(running, bool) or not isinstance(up, bool):
        raise ValueError("flags of the wrong type")
    return LinkState(
        host=_match(HOST, data["host"]), role=role, pid=_count(data["pid"]), running=running,
        updated=_number(data["updated"]), up=up, since=_number(data["since"]),
        rtt_ms=_optional(data.get("rtt_ms"), _number),
        to=_optional(data.get("to"), lambda v: _match(HOST, v)),
        groups={_match(GROUP, gid): group_sync(sync) for gid, sync in groups.items()},
        arrivals=tuple(_arrival(a) for a in arrivals[-MAX_ARRIVALS:]),
        problem=data.get("problem") if data.get("problem") in PROBLEMS else None,
        hub_offset_ms=_optional(data.get("hub_offset_ms"), _offset),
        hub_relay_silent=_optional(data.get("hub_relay_silent"), _number),
        host_clock=stamp_of(data.get("host_clock")))  # one not the relay's: none, as for a writer
