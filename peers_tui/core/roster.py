"""The membership state of a group at one point of its log: who is in it, with which role since
when, where removals cut their authority, and what their own changes say about their clock.

A Roster is computed by replaying the log (core.membership.apply_change), never stored as truth.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from peers_tui.core.roles import Role


class MemberState(StrEnum):
    """Where a member stands (a str: compares equal to "active", "left", "removed")."""

    ACTIVE = "active"
    LEFT = "left"
    REMOVED = "removed"


ACTIVE, LEFT, REMOVED = MemberState.ACTIVE, MemberState.LEFT, MemberState.REMOVED


@dataclass(frozen=True)
class Member:
    """One person's current standing in a group, as the replay computed it."""

    user_id: str
    handle: str
    role: Role
    state: MemberState
    since_seq: int


@dataclass(frozen=True)
class Cut:
    """Where a removal, demotion or leave ended a member's old authority.

    `aseq`/`ahash` name the last record of the member's author chain that the change's signer
    had seen. Their records beyond it count only under the authority they hold after `seq`.
    """

    seq: int
    aseq: int
    ahash: str
    what: str  # "removed", "left", "demoted"
    # A leave is signed by the leaver, who also chose its cut: whatever they sign later
    # (by their own clock) under an older state is void too, whatever place it claims.
    until: int | None = None



@dataclass
class Roster:
    """The membership state after replaying the log up to `head_seq`."""

    group_id: str
    founder: str
    members: dict[str, Member] = field(default_factory=dict)
    head_seq: int = 0
    head_hash: str = ""
    problems: list[tuple[int, str]] = field(default_factory=list)
    invite_uses: dict[str, int] = field(default_factory=dict)
    invite_problems: list[Any] = field(default_factory=list)
    # Per user: the cuts made by removals, demotions and leaves, in seq order.
    cuts: dict[str, list[Cut]] = field(default_factory=dict)
    # Per user: (seq, signed time) of each change they signed themselves (join, handle, leave):
    # a record of theirs naming a later state cannot be older than these (see "backdated").
    own_times: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    # The latest signed time among changes by admins and owners: a join after them is at
    # least that late, whatever time the joiner claims (invite expiry; see _check_join).
    admin_clock: int = 0
    # Invite key -> the seq of the change that revoked it.
    revoked: dict[str, int] = field(default_factory=dict)
    # seq -> hash of each change that counted: what a pin of the membership log must find.
    chain: dict[int, str] = field(default_factory=dict)
    # Places of author chains held by invites and revocations (a message there is a fork).
    invite_positions: frozenset[tuple[str, int]] = frozenset()
    # Per user: the seqs at which their role changed and the role from then on (None: not a member).
    _history: dict[str, tuple[list[int], list[Role | None]]] = field(default_factory=dict)

    @classmethod
    def from_genesis(cls, group_id: str, founder: str, handle: str) -> Roster:
        roster = cls(group_id=group_id, founder=founder, head_hash=group_id)
        roster._set(Member(founder, handle, Role.OWNER, ACTIVE, 0))
        return roster

    def _set(self, member: Member) -> None:
        self.members[member.user_id] = member
        seqs, roles = self._history.setdefault(member.user_id, ([], []))
        seqs.append(member.since_seq)
        roles.append(member.role if member.state == ACTIVE else None)

    @property
    def founder_in_charge(self) -> str | None:
        """The founder, while they have not handed the group over and left: until then
        nobody can remove or demote them. Once gone they are an ordinary member if they return."""
        return None if self.cuts.get(self.founder) else self.founder

    def active(self, user_id: str) -> Member | None:
        member = self.members.get(user_id)
        return member if member is not None and member.state == ACTIVE else None

    def role_of(self, user_id: str) -> Role | None:
        member = self.active(user_id)
        return member.role if member else None

    def role_at(self, user_id: str, seq: int) -> Role | None:
        """The role `user_id` held once the change numbered `seq` had been applied."""
        history = self._history.get(user_id)
        if history is None:
            return None
        seqs, roles = history
        index = bisect.bisect_right(seqs, seq) - 1
        return roles[index] if index >= 0 else None

    def handle_of(self, user_id: str) -> str | None:
        member = self.members.get(user_id)
        return member.handle if member else None

    def cut_problem(self, author: str, aseq: int, digest: str, member_seq: int,
                    signed_at: int = 0) -> str | None:
        """Why a record at `aseq` of `author`'s chain, naming `member_seq`, signed at
        `signed_at`, lies beyond a cut of theirs (so it cannot use the authority of that
        older state), or None."""
        for cut in self.cuts.get(author, ()):
            if cut.until is not None and member_seq < cut.seq and signed_at > cut.until:
                return (f"signed after its author was {cut.what} (membership change {cut.seq}) "
                        "but names an earlier membership state")
            if aseq == cut.aseq and digest != cut.ahash:
                return (f"not the record membership change {cut.seq} saw at this place in its "
                        "author's chain (forked chain)")
            if aseq > cut.aseq and member_seq < cut.seq:
                return (f"signed after its author was {cut.what} (membership change {cut.seq}) "
                        "but names an earlier membership state")
        return None

    def time_floor(self, author: str, member_seq: int) -> int:
        """The latest time `author` signed a membership change of their own at or before
        `member_seq`: nothing of theirs naming that state can honestly be older."""
        floor = 0
        for seq, signed in self.own_times.get(author, ()):
            if seq > member_seq:
                break
            floor = max(floor, signed)
        return floor
