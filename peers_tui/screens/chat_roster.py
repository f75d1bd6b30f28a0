"""What the chat screen learns from the open group's roster: members, who is here, the
topic, the user's role and standing, and whether the history can be trusted.

`read_roster` runs on a worker thread and touches no widget; the chat screen shows its
`RosterLoaded` on the UI thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from peers_tui.core.events import EventView
from peers_tui.core.group_entry import GroupEntry
from peers_tui.core.presence import Presence
from peers_tui.core.roles import Role
from peers_tui.core.views import MemberView
from peers_tui.core.roster import MemberState

if TYPE_CHECKING:
    from peers_tui.commands.slash import Standing  # (its module: with the commands, later)
    from peers_tui.core.account import Account
    from peers_tui.core.group_store import GroupStore

POSTING_ROLES = frozenset(role.label for role in Role if role >= Role.WRITER)
STANDINGS: dict[str, Standing] = {"active": "active", "left": "left", "removed": "removed"}


class RosterLoaded(Message):
    """What the roster read found (read_roster, on a worker thread)."""

    # A plain class: a dataclass compiles its methods at import, which every start paid.
    def __init__(self, group_id: str, membership: tuple[object, ...],
                 members: list[MemberView], present: set[str], topic: str | None,
                 role: str | None, standing: Standing, read_only: str | None,
                 warning: str | None = None,
                 people: frozenset[tuple[str, str]] = frozenset(),
                 events: tuple[EventView, ...] = (),
                 hosts: dict[str, tuple[str, ...]] | None = None, number: int = 0) -> None:
        super().__init__()
        self.group_id = group_id
        self.membership = membership
        self.members = members
        self.present = present
        self.topic = topic
        self.role = role  # the user's role, if they are an active member of a writable file
        self.standing = standing
        self.read_only = read_only  # why nothing can be written to the file, if it cannot
        self.warning = warning  # history deleted, file rolled back, a forged change
        self.people = people  # (id, handle) of all members, former ones too
        self.events = events  # the membership log as events, for the message log
        # each member's host(s) where a relay joins this hub to others (host_presence.locate)
        self.hosts: dict[str, tuple[str, ...]] = {} if hosts is None else hosts
        self.number = number  # which of the screen's roster reads (ChatScreen.refresh_roster)

    @property
    def can_post(self) -> bool:
        return self.role in POSTING_ROLES

    def cannot_post_reason(self) -> str:
        if self.role == Role.READER.label:
            return "You are a reader here"
        if self.read_only:
            return f"You cannot post here (read-only: {self.read_only})"
        if self.standing == "removed":
            return "You cannot post here (removed: an admin removed you from this group)"
        return f"You cannot post here ({self.standing})"


def read_roster(account: Account, entry: GroupEntry, store: GroupStore,
                presence: Presence, number: int = 0) -> RosterLoaded:
    """Everything the roster panel, the topic bar and the composer need (raises PeersError)."""
    membership = store.membership_mark()
    roster = store.current_roster()
    members = store.members(include_former=False)
    # Imported by the first roster read, on this worker's thread after the first frame: the
    # hosts' file and the published profiles are no part of what start-up paints.
    from peers_tui.core.whereabouts import locate
    where = locate(presence, [m.user_id for m in members])
    topic = store.topic()
    warning = check_history(account, entry, store)
    me = roster.members.get(account.user_id)
    read_only = store.read_only  # a read-only file or mount: nobody can post from here
    with store.session():  # one connection for the roster, invites and log events() reads
        events = tuple(store.events())  # judged by the roster just read (memoized): no replay
    return RosterLoaded(
        store.group_id, membership, members, where.present, topic,
        me.role.label if me and me.state == MemberState.ACTIVE and not read_only else None,
        STANDINGS.get(me.state, "not a member") if me else "not a member", read_only, warning, frozenset((m.user_id, m.handle) for m in roster.members.values()),
        events, where.hosts, number)


def check_history(account: Account, entry: GroupEntry, store: GroupStore) -> str | None:
    """Compare the file with the heads this user verified before; pin the newest verified
    heads when nothing is amiss."""
    from peers_tui.core.pins import membership_problems  # on the roster's worker

    problems = account.pin_problems(entry, store)
    if not problems:
        account.pin_read(entry, store, store.recent(40))
    problems += membership_problems(store.current_roster())
    return str(problems[0]) if problems else None
