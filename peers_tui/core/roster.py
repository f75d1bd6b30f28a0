"""The membership state of a group at one point of its log: who is in it, with which role since
when, where removals cut their authority, and what their own changes say about their clock.

A Roster is computed by replaying the log (core.membership.apply_change), never stored as truth.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from enum import StrEnum

from peers_tui.core.frozen import Frozen, set_field
from peers_tui.core.roles import Role

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from typing import Any


class MemberState(StrEnum):
    """Where a member stands (a str: compares equal to "active", "left", "removed")."""

    ACTIVE = "active"
    LEFT = "left"
    REMOVED = "removed"


ACTIVE, LEFT, REMOVED = MemberState.ACTIVE, MemberState.LEFT, MemberState.REMOVED


class Member(Frozen):
    """One person's current standing in a group, as the replay computed it."""

    __slots__ = _fields = ("user_id", "handle", "role", "state", "since_seq")
    user_id: str
    handle: str
    role: Role
    state: MemberState
    since_seq: int

    def __init__(self, user_id: str, handle: str, role: Role, state: MemberState,
                 since_seq: int) -> None:
        set_field(self, "user_id", user_id)
        set_field(self, "handle", handle)
        set_field(self, "role", role)
        set_field(self, "state", state)
        set_field(self, "since_seq", since_seq)


class Cut(Frozen):
    """Where a removal, demotion or leave ended a member's old authority.

    `aseq`/`ahash` name the last record of the member's author chain that the change's signer
    had seen. Their records beyond it count only under the authority they hold after `seq`.
    """

    __slots__ = _fields = ("seq", "aseq", "ahash", "what", "until")
    seq: int
    aseq: int
    ahash: str
    what: str  # "removed", "left", "demoted"
    # A leave is signed by the leaver, who also chose its cut: whatever they sign later
    # (by their own clock) under an older state is void too, whatever place it claims.
    until: int | None

    def __init__(self, seq: int, aseq: int, ahash: str, what: str,
                 until: int | None = None) -> None:
        set_field(self, "seq", seq)
        set_field(self, "aseq", aseq)
        set_field(self, "ahash", ahash)
        set_field(self, "what", what)
        set_field(self, "until", until)


class Roster:
    """The membership state after replaying the log up to `head_seq` (mutable: the replay
    applies each change to it; compared field by field, and so not hashable)."""

    __slots__ = ("group_id", "founder", "members", "head_seq", "head_hash", "problems",
                 "invite_uses", "invite_problems", "cuts", "own_times", "admin_clock",
                 "revoked", "chain", "invite_positions", "cut_chains", "bound", "pair", "_history")

    def __init__(self, group_id: str, founder: str, members: dict[str, Member] | None = None,
                 head_seq: int = 0, head_hash: str = "") -> None:
        self.group_id = group_id
        self.founder = founder
        self.members: dict[str, Member] = {} if members is None else members
        self.head_seq = head_seq
        self.head_hash = head_hash
        self.problems: list[tuple[int, str]] = []
        self.invite_uses: dict[str, int] = {}
        self.invite_problems: list[Any] = []
        # Per user: the cuts made by removals, demotions and leaves, in seq order.
        self.cuts: dict[str, list[Cut]] = {}
        # Per user: (seq, signed time) of each change they signed themselves (join, handle,
        # leave): a record of theirs naming a later state cannot be older than these (see
        # "backdated").
        self.own_times: dict[str, list[tuple[int, int]]] = {}
        # The latest signed time among changes by admins and owners: a join after them is at
        # least that late, whatever time the joiner claims (invite expiry; see _check_join).
        self.admin_clock = 0
        # Invite key -> the seq of the change that revoked it.
        self.revoked: dict[str, int] = {}
        # seq -> hash of each change that counted: what a pin of the membership log must find.
        self.chain: dict[int, str] = {}
        # Places of author chains held by invites and revocations (a message there is a fork).
        self.invite_positions: frozenset[tuple[str, int]] = frozenset()
        # (member, seq of a cut) -> {place: hash} of the chain below the cut, as the record the
        # cut names links down (core.cut_chains; filled only where a place there is crowded).
        self.cut_chains: dict[tuple[str, int], dict[int, str]] = {}
        # (maker, place) -> (hash, seq) of the invite record a join that counted used there
        # (membership.apply_change): the log fixed it, so another record its maker signs at
        # that place later is void and no half of a fork, and a cut's chain does not void it
        # (before, a current admin forked his used invite and the join, with every later
        # change of the log, stopped counting: docs/relay.md "Twelfth attack pass").
        self.bound: dict[tuple[str, int], tuple[str, int]] = {}
        # The two people of a direct conversation (its genesis names them, dm_pair): no one
        # else's join counts (seventeenth attack pass). None for any other group.
        self.pair: tuple[str, str] | None = None
        # Per user: the seqs at which their role changed and the role from then on (None:
        # not a member).
        self._history: dict[str, tuple[list[int], list[Role | None]]] = {}

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    def __repr__(self) -> str:
        return f"Roster({', '.join(f'{name}={getattr(self, name)!r}' for name in self.__slots__)})"

    @classmethod
    def from_genesis(cls, group_id: str, founder: str, handle: str,
                     pair: tuple[str, str] | None = None) -> Roster:
        """The roster before any change (`pair`: a direct conversation's, `dm_pair`)."""
        roster = cls(group_id=group_id, founder=founder, head_hash=group_id)
        roster._set(Member(founder, handle, Role.OWNER, ACTIVE, 0))
        roster.pair = pair
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

    def label_of(self, user_id: str) -> str:
        """`user_id` named as the log names them (`labels`)."""
        return self.labels([user_id])[user_id]

    def labels(self, user_ids: Iterable[str]) -> dict[str, str]:
        """Each of `user_ids` named as the log names them: their handle as one inert line,
        with their fingerprint where another member's (a former one's too) is the same or
        looks alike (core.names.person_labels); the fingerprint alone for a non-member."""
        from peers_tui.core.identity import fingerprint
        from peers_tui.core.names import MAX_SHOWN_NAME, person_labels

        user_ids = list(user_ids)
        wanted = [(u, self.members[u].handle, fingerprint(u)) for u in user_ids
                  if u in self.members]
        people = {(m.user_id, m.handle) for m in self.members.values()}
        found = person_labels(wanted, people, room=MAX_SHOWN_NAME + 12)
        named = {user_id: found[(user_id, handle)] for user_id, handle, _ in wanted}
        return {u: named.get(u) or fingerprint(u) for u in user_ids}

    # How each reason of cut_problem begins (relay.links: a void record found there)
    CUT_REASONS = ("signed after its author was ", "not the record membership change ",
                   "not on the chain membership change ", "beyond where membership change ",
                   "not the invite record membership change ")

    def cut_problem(self, author: str, aseq: int, digest: str, member_seq: int,
                    signed_at: int = 0) -> str | None:
        """Why a record at `aseq` of `author`'s chain, naming `member_seq`, signed at
        `signed_at`, lies beyond a cut of theirs (so it cannot use the authority of that
        older state), or None."""
        for cut in self.cuts.get(author, ()):
            if cut.until is not None and member_seq < cut.seq and signed_at > cut.until:
                return (f"signed after its author was {cut.what} (membership change {cut.seq}) "
                        "but names an earlier membership state")
            if self._off_chain(author, aseq, digest, cut):
                return (f"not the record membership change {cut.seq} saw at this place in its "
                        "author's chain (forked chain)" if aseq == cut.aseq else
                        f"not on the chain membership change {cut.seq} cut its author's at "
                        "(another record of theirs holds this place there)")
            if aseq > cut.aseq and member_seq < cut.seq:
                # Beyond the cut, whenever it was signed: on a host cut off, before the change.
                return (f"beyond where membership change {cut.seq} cut its author's chain "
                        f"({cut.what}) but names an earlier membership state")
        fixed = self.fixed_at(author, aseq)
        if fixed is not None and digest != fixed[0]:  # the reasons above say more, if any
            return (f"not the invite record membership change {fixed[1]} (a join) used at this "
                    "place in its author's chain (signed beside it)")
        return None

    def beyond_cut(self, record: Any) -> bool:
        """Whether a signed chained record lies beyond a removal, demotion or leave cut of its
        author and names a state before it (rule 4: void, whatever else holds its place). Such
        a record is no half of a fork (core.forks): the cut released the places above it."""
        data = record.data
        aseq = data.get("aseq")
        fixed = self.fixed_at(record.author, aseq)
        if fixed is not None:
            return fixed[0] != record.hash
        return self.beyond_cut_at(record.author, aseq, data.get("mseq")) or any(
            self._off_chain(record.author, aseq, record.hash, cut)
            for cut in self.cuts.get(record.author, ()))

    def _off_chain(self, author: str, aseq: Any, digest: str, cut: Cut) -> bool:
        """Whether a record at or below `cut`'s place is not the one the chain the cut names
        holds there: the signer saw that chain, so another record there was signed beside it
        (after the cut, for all a reader can tell) and voids nothing (README rule 4)."""
        if not isinstance(aseq, int) or isinstance(aseq, bool) or not 0 < aseq <= cut.aseq:
            return False
        fixed = self.fixed_at(author, aseq)
        if fixed is not None and fixed[1] < cut.seq:  # a join fixed it first
            return digest != fixed[0]
        known = cut.ahash if aseq == cut.aseq else self.cut_chains.get(
            (author, cut.seq), {}).get(aseq)
        return known is not None and digest != known

    def fixed_at(self, author: Any, aseq: Any) -> tuple[str, int] | None:
        """(hash, seq of the join) of the invite record the log fixed at this place, or None
        (junk places and authors included)."""
        if not (isinstance(author, str) and isinstance(aseq, int)) or not self.bound:
            return None
        return self.bound.get((author, aseq))

    def beyond_cut_at(self, author: str, aseq: Any, member_seq: Any) -> bool:
        """beyond_cut, of a record's author, place and named state (not ints: False)."""
        if not (isinstance(aseq, int) and isinstance(member_seq, int)) \
                or isinstance(aseq, bool) or isinstance(member_seq, bool):
            return False
        return any(aseq > cut.aseq and member_seq < cut.seq for cut in self.cuts.get(author, ()))

    def time_floor(self, author: str, member_seq: int) -> int:
        """The latest time `author` signed a membership change of their own at or before
        `member_seq`: nothing of theirs naming that state can honestly be older."""
        floor = 0
        for seq, signed in self.own_times.get(author, ()):
            if seq > member_seq:
                break
            floor = max(floor, signed)
        return floor


PAIR_ONLY = "pair_only"  # in a direct conversation's genesis: no one else may join


def closed_pair(data: Any, founder: str) -> tuple[str, str] | None:
    """The pair of a direct conversation founded closed to anyone else (its genesis says so:
    `PAIR_ONLY`, from h-attack17 on): no one else's join counts there. One founded before
    has its pair all the same (dm_pair) and no such rule: a rule taking effect for it would
    void the joins a third person made there, and with them every later change of its log."""
    return dm_pair(data, founder) if data.get(PAIR_ONLY) is True else None


def dm_pair(data: Any, founder: str) -> tuple[str, str] | None:
    """The pair a genesis's data names as a direct conversation, if its founder is one of
    them (else no direct conversation: a third person cannot found one for two others)."""
    pair = data.get("dm")
    if (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
            and pair == sorted(pair) and pair[0] != pair[1] and founder in pair):
        return pair[0], pair[1]
    return None
