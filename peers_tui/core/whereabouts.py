"""Where each member is shown (the roster panel, `peers members`, `/who`): present here (a
presence lock) or on another host, else at home here or on another host, else on the host
last said to be their home.

The other hosts come from the hosts file this host's relay writes (core.host_presence): a
host not heard of for a day is forgotten there, and so is every host not heard again since
the relay restarted. For a member no host heard now or within the day places, the profiles
that relay kept (core.kept_people: signed, checked again when the file changes) still name
the host that said they live there: shown as their home, away, like any other away home.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from peers_tui.core.host_presence import homes_here, read_hosts_file
from peers_tui.core.kept_people import kept_homes
from peers_tui.core.presence import Presence


@dataclass(frozen=True)
class Whereabouts:
    """Who is present (on any host) and, per user, the host(s) to show: where they are
    present, else their home. `hosts` is empty for everyone on a hub without a relay."""

    present: set[str]
    hosts: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def across_hosts(self) -> bool:
        return bool(self.hosts)


def locate(presence: Presence, user_ids: list[str], *, now: float | None = None) -> Whereabouts:
    """Presence here (locks) and, where a relay writes the hosts file, on the other hosts."""
    hub = presence.directory.parent
    here_now = presence.present(user_ids)
    view = read_hosts_file(hub, now=now)
    if view is None:
        return Whereabouts(here_now)
    homes = homes_here(hub, user_ids)
    present: set[str] = set()
    hosts: dict[str, tuple[str, ...]] = {}
    for user_id in user_ids:
        there = [view.here] if user_id in here_now else []
        there += [entry.host for entry in view.others if user_id in entry.present]
        if there:
            present.add(user_id)
        else:
            there = [view.here] if user_id in homes else []
            there += [entry.host for entry in view.others if user_id in entry.home]
        hosts[user_id] = tuple(there)
    placed_nowhere = [user_id for user_id, there in hosts.items() if not there]
    if placed_nowhere:  # the kept file is read only then (and parsed only when it changed)
        for user_id, host in kept_homes(hub, placed_nowhere, now=now).items():
            # kept from other hosts' entries: one naming this host, where they have no
            # profile, is not so
            if host != view.here:
                hosts[user_id] = (host,)
    return Whereabouts(present, hosts)


def home_of(hub: Path, user_id: str, *, now: float | None = None) -> str | None:
    """The one host `user_id` lives on, as this host's relay last heard (the hosts file, then
    the profiles it kept): where their records come from, for a record found void after it
    was applied here (relay.voided: the file keeps no origin of a row). This host when their
    profile is published here; None without a relay, for someone no host names, or for
    someone two other hosts both call theirs."""
    view = read_hosts_file(hub, now=now)
    if view is None:
        return None
    if homes_here(hub, [user_id]):
        return view.here
    there = {entry.host for entry in view.others if user_id in entry.home}
    if len(there) == 1:
        return there.pop()
    if there:
        return None
    kept = kept_homes(hub, [user_id], now=now).get(user_id)
    return kept if kept != view.here else None
