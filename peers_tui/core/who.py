"""What `/who` says: the open group's members with their presence and host, as the roster
shows them (core.host_presence.locate, the same reading), then the other people known in
the federation (core.federation_people): those who published a profile in this hub, those
at home on another host whose profile its relay carries or carried here, and the members of
the user's other groups. Someone whose host is not heard from now is shown away, with the
host last heard to be theirs."""

from __future__ import annotations

from peers_tui.core.account import Account
from peers_tui.core.federation_people import known_to
from peers_tui.core.whereabouts import Whereabouts, locate
from peers_tui.core.names import look_alikes, shown_handle, shown_name
from peers_tui.core.personal_store import GroupEntry
from peers_tui.core.presence import Presence
from peers_tui.core.roster import MemberState


def place(user_id: str, where: Whereabouts, last_known: tuple[str, ...] = ()) -> str:
    """`on hostB` / `away (hostB)`, as `peers members` says it; `here now` / `away` on a hub
    without a relay. `last_known`: the hosts to name when no host heard now says."""
    hosts = ",".join(where.hosts.get(user_id, ()) or last_known)
    if user_id in where.present:
        return f"on {hosts}" if hosts else "here now"
    return f"away ({hosts})" if hosts else "away"


def who_lines(account: Account, entry: GroupEntry) -> list[str]:
    hub = account.paths.hub
    everyone = account.store(entry).members(include_former=True)
    members = [m for m in everyone if m.state == MemberState.ACTIVE]
    known = known_to(account)
    last_known = {k.profile.user_id: k.hosts for k in known}
    ids = {m.user_id for m in members}
    others = [k for k in known if k.profile.user_id not in ids]
    where = locate(Presence(hub), [*ids, *(k.profile.user_id for k in others)])
    alike = look_alikes({(m.user_id, m.handle) for m in everyone}
                        | {(k.profile.user_id, k.profile.handle) for k in known})

    def marks(user_id: str, handle: str) -> str:
        said = [mark for mark, shown in (
            ("you", user_id == account.user_id),
            ("looks like another's handle", (user_id, handle) in alike)) if shown]
        return f"  {', '.join(said)}" if said else ""

    here = sum(1 for m in members if m.user_id in where.present)
    counted = f"{len(members)} member" + ("" if len(members) == 1 else "s")
    lines = [f"{shown_name(entry.name)}: {counted}, {here} here now:"]
    for m in sorted(members, key=lambda m: (m.user_id not in where.present, m.handle.lower())):
        dot = "●" if m.user_id in where.present else "○"
        lines.append(f"{dot} {shown_handle(m.handle)} ({m.fingerprint})  {m.role}  "
                     f"{place(m.user_id, where, last_known.get(m.user_id, ()))}"
                     f"{marks(m.user_id, m.handle)}")
    if others:
        lines.append(f"{len(others)} more known in the federation (not members):")
        for k in others:
            person = k.profile
            dot = "●" if person.user_id in where.present else "○"
            lines.append(f"{dot} {shown_handle(person.handle)} ({person.fingerprint})  "
                         f"{place(person.user_id, where, k.hosts)}"
                         f"{marks(person.user_id, person.handle)}")
    return lines
