"""The profiles other hosts' relays carried here, kept after their host went quiet.

A host's entry (core.host_presence) carries the signed profiles of the people who live there,
but the hosts file forgets a host 45 s after it was last heard: its people could no longer be
named (`/invite @dave`) while offline, nor after this host's relay restarted without hearing
their host again. So the relay also keeps every genuine profile it heard, with the host that
said its author lives there and when, in `<hub>/.presence-people.json` (0644, atomic rename):
at most `MAX_KEPT`, the most recently heard, none heard longer than `KEEP_FOR` ago.

The file is a cache of signed texts, never an authority: anyone who can write the hub could
rewrite it, so every reader checks each profile's signature again (a handle is its author's
word, the host a courtesy) and skips anything malformed, entry by entry.
"""

from __future__ import annotations

import functools
import math
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peers_tui.core.host_presence import (
    MAX_CARRIED, MAX_CARRIED_TEXT, MAX_FILE_BYTES, HostEntry, is_host_name, read_public_parsed,
    write_public_json,
)
from peers_tui.core.kinds import RecordKind
from peers_tui.core.membership import check_handle
from peers_tui.core.profiles import Profile, open_signed_file
from peers_tui.core.records import RecordError

KEPT_FILE = ".presence-people.json"
FORMAT = 1
MAX_KEPT = 1000                  # profiles (the file stays under host_presence.MAX_FILE_BYTES)
# Of them, those said to live on one host: a host carries at most MAX_CARRIED at a time, and
# one rotating profiles of keys of its own must not push every other host's people out.
MAX_KEPT_PER_HOST = MAX_CARRIED
KEEP_FOR = 180 * 24 * 3600       # seconds since a profile was last heard
REFRESH = 24 * 3600              # an unchanged profile's time is written again at most daily


@functools.lru_cache(maxsize=4096)
def carried_profile(text: str) -> Profile | None:
    """The profile a carried file text holds, or None if it is not a genuine one. The same
    text always gets the same verdict, so it is checked once a process (an app's /who and
    Tab read the kept file again each time: 1,000 signatures took ~90 ms)."""
    try:
        record = open_signed_file(text, RecordKind.PROFILE)
        return Profile(record.author, check_handle(record.data.get("handle")), record.created_at)
    except (RecordError, ValueError):
        return None


@dataclass(frozen=True)
class KeptProfile:
    """A genuine profile heard from `host` (which said its author lives there) at `heard`."""

    profile: Profile
    host: str
    heard: float
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"host": self.host, "heard": self.heard, "profile": self.text}


def _parse(item: Any) -> KeptProfile | None:
    if not isinstance(item, dict):
        return None
    host, heard, text = item.get("host"), item.get("heard"), item.get("profile")
    if (not is_host_name(host) or not isinstance(heard, (int, float)) or isinstance(heard, bool)
            or not math.isfinite(heard) or not isinstance(text, str)
            or len(text) > MAX_CARRIED_TEXT):
        return None
    profile = carried_profile(text)
    return KeptProfile(profile, str(host), float(heard), text) if profile else None


def _genuine(data: Any) -> tuple[KeptProfile, ...]:
    """Every well-formed entry of the file's JSON whose profile is genuine, whenever heard."""
    if not isinstance(data, dict) or data.get("v") != FORMAT or not isinstance(
            data.get("people"), list):
        return ()
    return tuple(kept for kept in map(_parse, data["people"][:MAX_KEPT]) if kept is not None)


def _newest(hub: Path, now: float | None) -> dict[str, KeptProfile]:
    """Per person, the newest of their genuine profiles heard at most KEEP_FOR ago. The file
    is parsed (and its signatures checked) again only when it changed."""
    now = time.time() if now is None else now
    found: dict[str, KeptProfile] = {}
    for kept in read_public_parsed(hub, KEPT_FILE, _genuine):
        if not 0 <= now - kept.heard <= KEEP_FOR:
            continue
        other = found.get(kept.profile.user_id)
        if other is None or other.profile.updated_at < kept.profile.updated_at:
            found[kept.profile.user_id] = kept
    return found


def read_kept(hub: Path, *, now: float | None = None) -> list[KeptProfile]:
    """The kept profiles that are genuine and not too old, one per person (the newest
    profile), by handle; [] where no relay kept any."""
    return sorted(_newest(hub, now).values(),
                  key=lambda k: (k.profile.handle.lower(), k.profile.user_id))


def kept_homes(hub: Path, user_ids: Iterable[str], *,
               now: float | None = None) -> dict[str, str]:
    """The host each of `user_ids` was last said to live on, by a host whose entry carried
    their genuine profile (a courtesy, as that host's word was): nothing for anyone else."""
    newest = _newest(hub, now)
    return {user_id: newest[user_id].host for user_id in user_ids if user_id in newest}


class KeptPeople:
    """The relay's side: what it keeps, updated from each entry it hears."""

    def __init__(self, hub: Path) -> None:
        self.hub = hub
        self.kept = {k.profile.user_id: k for k in read_kept(hub)}

    def note(self, entry: HostEntry) -> bool:
        """Keep the genuine profiles `entry` carries of people it says live there; True
        when the file was written. Only texts not kept already are checked (a signature
        each), so a heartbeat costs a comparison per profile."""
        changed = False
        by_text = {kept.text: kept.profile for kept in self.kept.values()}
        for text in entry.profiles:
            profile = by_text.get(text) or carried_profile(text)
            if profile is None or profile.user_id not in entry.home:
                continue  # not genuine, or not living where the host says
            old = self.kept.get(profile.user_id)
            if old is not None and old.profile.updated_at > profile.updated_at:
                continue  # an older profile than the one kept
            if (old is not None and old.text == text and old.host == entry.host
                    and entry.seen - old.heard < REFRESH):
                continue
            self.kept[profile.user_id] = KeptProfile(profile, entry.host, entry.seen, text)
            changed = True
        if changed:
            self.write()
        return changed

    def write(self) -> None:
        """The most recently heard, as many as MAX_KEPT (MAX_KEPT_PER_HOST of one host) and
        the readers' file bound allow."""
        newest: list[KeptProfile] = []
        size, of_host = 0, Counter[str]()
        for kept in sorted(self.kept.values(), key=lambda k: k.heard, reverse=True):
            if of_host[kept.host] >= MAX_KEPT_PER_HOST:
                continue
            of_host[kept.host] += 1
            size += len(kept.text) * 2 + 100  # a text's JSON escapes at most double it
            if size > MAX_FILE_BYTES:
                break
            newest.append(kept)
            if len(newest) >= MAX_KEPT:
                break
        self.kept = {k.profile.user_id: k for k in newest}
        try:
            write_public_json(self.hub, KEPT_FILE, {
                "v": FORMAT, "people": [k.to_json() for k in newest]})
        except OSError:
            pass  # a hub this relay cannot write: naming offline people is a courtesy
