"""People known anywhere in the federation: those who published a profile in this hub, and
those whose signed profile another host's relay carried here (core.host_presence: each host's
entry carries the profiles of the people who live there). So a person at home on another host
can be named (`/invite @bob`, `peers invite --to bob`) and listed (`/who`) like one of this
host, under the same rules: a handle that looks like another's is refused and the people are
told apart by fingerprint.

A carried profile counts only if its signature is its author's and its host says the author
lives there; what a host says is otherwise a courtesy (it may lie about where someone lives,
never about their handle).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from peers_tui.core.host_presence import read_hosts_file
from peers_tui.core.kinds import RecordKind
from peers_tui.core.membership import check_handle
from peers_tui.core.profiles import Profile, find_among, open_signed_file, people
from peers_tui.core.records import RecordError

NOWHERE = "has published a profile in this hub or on another host of its federation"


@dataclass(frozen=True)
class KnownPerson:
    """A person and the hosts they live on (empty on a hub without a relay); `here` when
    their profile is in this hub, where a sealed invitation reaches them at once."""

    profile: Profile
    hosts: tuple[str, ...] = ()
    here: bool = True


def carried_profile(text: str) -> Profile | None:
    """The profile a carried file text holds, or None if it is not a genuine one."""
    try:
        record = open_signed_file(text, RecordKind.PROFILE)
        return Profile(record.author, check_handle(record.data.get("handle")), record.created_at)
    except (RecordError, ValueError):
        return None


def known_people(hub: Path) -> list[KnownPerson]:
    """Everyone known here or on the hosts this host's relay heard of, by handle."""
    local, _ = people(hub)
    view = read_hosts_file(hub)
    found: dict[str, KnownPerson] = {
        p.user_id: KnownPerson(p, (view.here,) if view else (), True) for p in local}
    for entry in view.others if view else ():
        for text in entry.profiles:
            profile = carried_profile(text)
            if profile is None or profile.user_id not in entry.home:
                continue  # not theirs, or not living where this host says
            known = found.get(profile.user_id)
            if known is None:
                found[profile.user_id] = KnownPerson(profile, (entry.host,), False)
            elif entry.host not in known.hosts:
                newer = (known.profile if known.here or known.profile.updated_at
                         >= profile.updated_at else profile)
                found[profile.user_id] = KnownPerson(newer, (*known.hosts, entry.host),
                                                     known.here)
    return sorted(found.values(), key=lambda k: (k.profile.handle.lower(), k.profile.user_id))


def find_known(hub: Path, query: str) -> KnownPerson:
    """A person by handle, handle as shown (`bob~fingerprint`), fingerprint or id prefix,
    among everyone known in the federation (core.profiles.find_among's rules)."""
    everyone = known_people(hub)
    profile = find_among([k.profile for k in everyone], query, NOWHERE)
    for known in everyone:
        if known.profile.user_id == profile.user_id:
            return known
    return KnownPerson(profile, (), False)  # a whole user id nobody published
