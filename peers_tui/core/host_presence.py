"""Presence across hosts: which users are running peers on which host, and where they live.

Within one hub, presence is a lock per user (presence.py). Across hosts, each host's relay
publishes a `HostEntry` (its name, the user ids present there, the user ids whose profile is
published there: their home) and writes what it hears from the other hosts into
`<hub>/.presence-hosts.json` (0644, atomic rename), which this module reads. The relay imports
this module; the core never imports the relay.

Another host's word is a courtesy display, not an authority: anything malformed is ignored
entry by entry, sizes are bounded, host names are plain letters and digits (nothing a terminal
would take for an escape), and an entry not heard of for `AGE_OUT` seconds counts nobody
present, and no more after `HOME_KEPT` (the file goes stale when this host's relay stops; the
reader ages it itself).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from peers_tui.core.membership import is_user_id
from peers_tui.core.presence import Presence
from peers_tui.core.profiles import PEOPLE_DIR
from peers_tui.core.relay_file import relay_owner

HOSTS_FILE = ".presence-hosts.json"
FORMAT = 1
# The same rule as the relay's host names (NATS subject tokens, JetStream domains).
HOST_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
MAX_HOSTS = 64
MAX_IDS = 2000          # user ids per list of one host
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ENTRY_BYTES = 256 * 1024
MAX_CARRIED = 200       # signed profiles, and sealed invitations, one host carries
MAX_CARRIED_TEXT = 4096  # bytes of one of them
HEARTBEAT = 15.0        # seconds between two publications of an unchanged host
AGE_OUT = 45.0          # a host not heard of for this long has nobody present
# ... and its people's homes are still shown this long (away, at home there): a host cut off
# for a minute is not "nowhere" to the others; a host that never comes back is forgotten.
HOME_KEPT = 24 * 3600.0
# Seconds a sealed invitation to someone at home elsewhere is carried (relay.presence_carry):
# the longest default invite is 7 days.
CARRY_INVITATIONS_FOR = 8 * 24 * 3600


def is_host_name(value: Any) -> bool:
    # fullmatch: `$` also matches before a trailing newline (a roster line broken after a
    # name, from a hosts file: fourteenth attack pass)
    return isinstance(value, str) and bool(HOST_NAME.fullmatch(value))


@dataclass(frozen=True)
class HostEntry:
    """What one host says of itself: who is present there, and whose home it is."""

    host: str
    present: frozenset[str] = frozenset()
    home: frozenset[str] = frozenset()
    seen: float = 0.0  # when it was last heard of, by this host's clock
    # The signed profile files of the people whose home it is (so they can be named on every
    # host) and the sealed invitations its users sent to people at home elsewhere (filed into
    # their inbox by their host's relay): texts, each checked by whoever uses it.
    profiles: tuple[str, ...] = ()
    invitations: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"v": FORMAT, "host": self.host, "present": sorted(self.present),
                                "home": sorted(self.home), "seen": self.seen}
        if self.profiles:
            data["profiles"] = list(self.profiles)
        if self.invitations:
            data["invitations"] = list(self.invitations)
        return data

    def away(self) -> HostEntry:
        """The entry of a host nobody can reach: its homes (and profiles) without presence."""
        return dataclasses.replace(self, present=frozenset())

    def bare(self) -> HostEntry:
        """The entry without what it carries (who is where only)."""
        return HostEntry(self.host, self.present, self.home, self.seen)

    def payload(self) -> bytes:
        return json.dumps(self.to_json(), separators=(",", ":")).encode()


def _ids(value: Any) -> frozenset[str] | None:
    if not isinstance(value, list) or len(value) > MAX_IDS:
        return None
    return frozenset(item for item in value if is_user_id(item))


def _texts(value: Any) -> tuple[str, ...]:
    """Carried texts: bounded in number and size; anything else is left out."""
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value[:MAX_CARRIED]
                 if isinstance(item, str) and len(item) <= MAX_CARRIED_TEXT)


def parse_entry(data: Any, *, seen: float | None = None) -> HostEntry | None:
    """A host's entry from its JSON form, or None if it is not one (never raises)."""
    if not isinstance(data, dict) or data.get("v") != FORMAT or not is_host_name(data.get("host")):
        return None
    present, home = _ids(data.get("present")), _ids(data.get("home", []))
    if present is None or home is None:
        return None
    if seen is None:
        stamp = data.get("seen")
        if (not isinstance(stamp, (int, float)) or isinstance(stamp, bool)
                or not math.isfinite(stamp)):
            return None
        seen = float(stamp)
    return HostEntry(data["host"], present, home, seen, _texts(data.get("profiles")),
                     _texts(data.get("invitations")))


def parse_payload(payload: bytes, *, seen: float) -> HostEntry | None:
    """An entry as it came over the wire from another host (None if malformed or too big)."""
    if len(payload) > MAX_ENTRY_BYTES:
        return None
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    return parse_entry(data, seen=seen)


# ----------------------------------------------------------------------- the file
def write_hosts_file(hub: Path, here: str, entries: Iterable[HostEntry]) -> None:
    """Replace `<hub>/.presence-hosts.json` at once (readers see the old or the new one)."""
    hosts = list(entries)[:MAX_HOSTS]
    data = {"v": FORMAT, "here": here, "written": time.time(),
            "hosts": [entry.to_json() for entry in hosts]}
    if len(json.dumps(data, separators=(",", ":"))) > MAX_FILE_BYTES:  # who is where first
        data["hosts"] = [entry.bare().to_json() for entry in hosts]
    write_public_json(hub, HOSTS_FILE, data)


def write_public_json(hub: Path, name: str, data: object) -> None:
    """Replace `<hub>/<name>` with `data` at once (readers see the old or the new file),
    0644: the relay writes it, every user of the hub reads it."""
    path = hub / name
    temporary = hub / f"{name}.{os.getpid()}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    try:
        os.fchmod(fd, 0o644)  # readable by every user of the hub, whatever the umask
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, separators=(",", ":"))
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, path)


def read_public_json(hub: Path, name: str) -> Any:
    """What `<hub>/<name>` holds (a file the relay wrote), or None where it is missing,
    unreadable, over MAX_FILE_BYTES or not JSON: never a symlink followed. Only a plain file
    of the relay's owner (of `<hub>/.relay/`, core.relay_file) is the relay's: any user of
    the hub may write one of that name (seventeenth attack pass: a planted hosts file put
    people on hosts of its choosing in every roster, `peers members` and `/who`, and named
    where a voided record came from)."""
    owner = relay_owner(hub)
    if owner is None:
        return None
    try:
        fd = os.open(hub / name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as source:
            info = os.fstat(source.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_uid != owner:
                return None
            text = source.read(MAX_FILE_BYTES + 1)
        if len(text) > MAX_FILE_BYTES:
            return None
        return json.loads(text)
    except (OSError, ValueError, RecursionError):
        return None


Parsed = TypeVar("Parsed")
# (hub, name, parse) -> (the file's inode, size and mtime when read, what `parse` made of it)
_parsed: dict[tuple[Path, str, Callable[[Any], Any]], tuple[tuple[int, int, int], Any]] = {}
MAX_PARSED = 16  # files remembered (a process reads one hub's few)


def read_public_parsed(hub: Path, name: str, parse: Callable[[Any], Parsed]) -> Parsed:
    """`parse(read_public_json(hub, name))`, read and parsed again only when the file's
    inode, size or mtime moved (its writer renames a new file in place: a new inode). For
    files read at every refresh (the roster's, every 5 s) whose parse is costly: `parse` must
    be pure, and its result is shared (never to be changed by a caller)."""
    try:
        info = os.lstat(hub / name)  # not followed: read_public_json refuses a symlink
    except OSError:
        return parse(None)
    stamp = (info.st_ino, info.st_size, info.st_mtime_ns)
    key = (hub, name, parse)
    known = _parsed.get(key)
    if known is not None and known[0] == stamp:
        return known[1]
    value = parse(read_public_json(hub, name))  # replaced after the stat: read again next time
    if len(_parsed) >= MAX_PARSED:
        _parsed.clear()
    _parsed[key] = (stamp, value)
    return value


@dataclass(frozen=True)
class HostsView:
    """This host's name and the other hosts heard of recently, as the relay last wrote them."""

    here: str
    others: tuple[HostEntry, ...] = ()


def read_hosts_file(hub: Path, *, now: float | None = None) -> HostsView | None:
    """What this host's relay knows of the other hosts; None where no relay ever wrote it
    (or the file is unreadable or not one). Entries older than AGE_OUT count nobody present,
    those older than HOME_KEPT are left out."""
    data = read_public_json(hub, HOSTS_FILE)
    if not isinstance(data, dict) or data.get("v") != FORMAT or not is_host_name(data.get("here")):
        return None
    hosts = data.get("hosts")
    if not isinstance(hosts, list):
        return None
    now = time.time() if now is None else now
    others: dict[str, HostEntry] = {}
    for item in hosts[:MAX_HOSTS]:
        entry = parse_entry(item)
        # a time far ahead is no relay's (whose clock is ours); past the age-out, nobody
        # there is present (the file of a relay that stopped is stale), their homes stay
        if (entry is not None and entry.host != data["here"]
                and -AGE_OUT <= now - entry.seen <= HOME_KEPT):
            others[entry.host] = entry if now - entry.seen <= AGE_OUT else entry.away()
    return HostsView(data["here"], tuple(sorted(others.values(), key=lambda e: e.host)))


def homes_here(hub: Path, user_ids: Iterable[str]) -> set[str]:
    """The users among `user_ids` whose profile is published in this hub (their home)."""
    people = hub / PEOPLE_DIR
    return {user_id for user_id in user_ids
            if is_user_id(user_id) and os.path.lexists(people / f"{user_id}.json")}


def this_host(presence: Presence, host: str) -> HostEntry:
    """This host's own entry, as its relay publishes it: who holds a presence lock here, and
    whose profile is published here (file names only: a courtesy, not a proof)."""
    hub = presence.directory.parent
    try:
        locked = [name for name in os.listdir(presence.directory) if is_user_id(name)]
    except OSError:
        locked = []
    try:
        profiles = [name[:-5] for name in os.listdir(hub / PEOPLE_DIR) if name.endswith(".json")]
    except OSError:
        profiles = []
    present = sorted(presence.present(locked[:MAX_IDS * 4]))[:MAX_IDS]
    home = sorted(user_id for user_id in profiles if is_user_id(user_id))[:MAX_IDS]
    return HostEntry(host, frozenset(present), frozenset(home), time.time())
