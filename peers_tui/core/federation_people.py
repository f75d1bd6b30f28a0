"""People known anywhere in the federation: those who published a profile in this hub, those
whose signed profile another host's relay carries here now (core.host_presence: each host's
entry carries the profiles of the people who live there) or carried before (core.kept_people:
their host is offline, or has not been heard since this host's relay started), and, for a
user, the members of their groups (the verified membership log of each group file). So a
person at home on another host can be named (`/invite @bob`, `peers invite --to bob`,
`/dm bob`) and listed (`/who`) like one of this host, online or not, under the same rules: a
handle that looks like another's is refused and the people are told apart by fingerprint.

A carried profile counts only if its signature is its author's and its host says the author
lives there; what a host says is otherwise a courtesy (it may lie about where someone lives,
never about a handle). A member's handle is what their own signed membership records say,
as the replay of the log verified them: a row nobody signed into the log names nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from peers_tui.core.errors import PeersError
from peers_tui.core.host_presence import CARRY_INVITATIONS_FOR, read_hosts_file
from peers_tui.core.kept_people import carried_profile, read_kept
from peers_tui.core.membership import ACTIVE
from peers_tui.core.names import shown_handle
from peers_tui.core.profiles import Profile, find_among, people

if TYPE_CHECKING:
    from peers_tui.core.account import Account

__all__ = ["KnownPerson", "carried_profile", "delivery_note", "find_known", "find_known_to",
           "known_people", "known_to"]

NOWHERE = "has published a profile in this hub or on another host of its federation"
NOR_IN_GROUPS = ", and no member of your groups is called so"


@dataclass(frozen=True)
class KnownPerson:
    """A person and the hosts they live on (empty on a hub without a relay, or where nobody
    said); `here` when their profile is in this hub, where a sealed invitation reaches them
    at once; `heard_now` when they are here or their host is heard from now (else they are
    known from before: a kept profile, or only from our groups)."""

    profile: Profile
    hosts: tuple[str, ...] = ()
    here: bool = True
    heard_now: bool = True


def known_people(hub: Path, also: Iterable[KnownPerson] = ()) -> list[KnownPerson]:
    """Everyone known here, on the hosts this host's relay hears now or heard before, and
    `also` (people known otherwise), by handle."""
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
    for kept in read_kept(hub):  # heard before: only who is not heard of now
        found.setdefault(kept.profile.user_id,
                         KnownPerson(kept.profile, (kept.host,), False, False))
    for known in also:
        found.setdefault(known.profile.user_id, known)
    return sorted(found.values(), key=lambda k: (k.profile.handle.lower(), k.profile.user_id))


def group_members(account: Account) -> list[KnownPerson]:
    """The members (and former members) of the user's groups, by the verified roster of each
    file: one handle a person, from a group they are active in where there is one."""
    found: dict[str, tuple[bool, str]] = {}
    for entry in account.entries():
        if entry.personal:
            continue
        try:
            members = account.store(entry).current_roster().members.values()
        except PeersError:
            continue  # a group that cannot be read names nobody
        for member in members:
            active = member.state == ACTIVE
            if member.user_id not in found or (active and not found[member.user_id][0]):
                found[member.user_id] = (active, member.handle)
    return [KnownPerson(Profile(user_id, handle, 0), (), False, False)
            for user_id, (_, handle) in found.items()]


def known_to(account: Account) -> list[KnownPerson]:
    """Everyone known in the federation (known_people) and the members of the user's groups."""
    return known_people(account.paths.hub, group_members(account))


def _find(everyone: list[KnownPerson], query: str, nowhere: str) -> KnownPerson:
    profile = find_among([k.profile for k in everyone], query, nowhere)
    for known in everyone:
        if known.profile.user_id == profile.user_id:
            return known
    return KnownPerson(profile, (), False, False)  # a whole user id nobody published


def find_known(hub: Path, query: str) -> KnownPerson:
    """A person by handle, handle as shown (`bob~fingerprint`), fingerprint or id prefix,
    among everyone known in the federation (core.profiles.find_among's rules)."""
    return _find(known_people(hub), query, NOWHERE)


def find_known_to(account: Account, query: str) -> KnownPerson:
    """find_known among everyone known to the user: the federation and their groups."""
    return _find(known_to(account), query, NOWHERE + NOR_IN_GROUPS)


def delivery_note(hub: Path, known: KnownPerson) -> str | None:
    """One line for the sender of a sealed invitation to `known` that does not reach them
    now; None when it does (they live here, or their host is heard from now)."""
    if known.here or known.heard_now:
        return None
    name, days = shown_handle(known.profile.handle), CARRY_INVITATIONS_FOR // 86400
    if read_hosts_file(hub) is None:
        return (f"{name} has no profile in this hub and no relay runs on this host: the "
                "invitation waits in this hub, for them only if they use it")
    if known.hosts:
        cut_off = _cut_off(hub)  # then no host is heard from: it was not theirs that went
        if cut_off:
            return (f"this host's relay {cut_off}: it carries the invitation to {name}'s host "
                    f"{', '.join(known.hosts)} when it is back (for {days} days)")
        return (f"{name}'s host {', '.join(known.hosts)} is not heard from now: this host's "
                f"relay carries the invitation there when it is (for {days} days)")
    return (f"where {name} lives is not known here (no host carries their profile now): "
            f"this host's relay offers the invitation to every host for {days} days")


def _cut_off(hub: Path) -> str | None:
    """Why this host hears no other now (its relay stopped, or a leaf's link down), or None.
    B's relay stopped, `invite --to dora` said "dora's host D is not heard from now"
    (sixteenth acceptance pass)."""
    from peers_tui.core.link_state import read_link_state

    link = read_link_state(hub)
    if link is None:
        return None
    if not link.alive():
        return "is not running"
    return "cannot reach the hub now" if link.role == "leaf" and not link.up else None
