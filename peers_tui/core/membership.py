"""Replaying the signed membership log into a roster, and the rules each change must pass.

GroupMembers is an append-only, hash-chained log. The roster is never stored as truth: it is
computed by replaying the valid changes in `seq` order, where a change is valid only if its
signer held the needed role in the state just before it. The same `apply_change` checks a
change before it is appended and again whenever the log is replayed, so the rules live here only.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace
from typing import Any

from peers_tui.core.identity import verify_signature
from peers_tui.core.encoding import unb32
from peers_tui.core.records import RecordError, SignedRecord
from peers_tui.core.roles import Role, may_grant, may_manage

ACTIVE, LEFT, REMOVED = "active", "left", "removed"
ACTIONS = ("join", "role", "remove", "leave", "handle")
MAX_HANDLE = 64


def check_handle(value: Any) -> str:
    """A handle as a record may carry it; RecordError otherwise."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_HANDLE:
        raise RecordError("invalid handle")
    return value


def is_user_id(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 52:
        return False
    try:
        return len(unb32(value)) == 32
    except ValueError:
        return False


@dataclass(frozen=True)
class Member:
    """One person's current standing in a group, as the replay computed it."""

    user_id: str
    handle: str
    role: Role
    state: str
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


@dataclass(frozen=True)
class InviteTerms:
    """An invite record whose signature, shape and author chain check out.

    Whether it may still be used is decided at each join, against the roster at that point
    (its minter's role then, the cuts known then, revocations); see `_check_join`.
    """

    key: str
    signer: str
    role: Role
    expires_at: int | None
    max_uses: int | None
    member_seq: int
    created_at: int
    aseq: int = 0
    digest: str = ""
    # (signer, member_seq, aseq, hash) of each revoke record naming this invite; which of them
    # count is decided during replay, once the revoker's standing at that point is known.
    revocations: tuple[tuple[str, int, int, str], ...] = ()
    # Other invite records naming the same key (only its first claimant is this one).
    alternatives: tuple[InviteTerms, ...] = ()


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

    def cut_problem(self, author: str, aseq: int, digest: str, member_seq: int) -> str | None:
        """Why a record at `aseq` of `author`'s chain, naming `member_seq`, lies beyond a cut
        of theirs (so it cannot use the authority of that older state), or None."""
        for cut in self.cuts.get(author, ()):
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


def parse_cut(value: Any) -> tuple[int, str]:
    """A change's `cut` field: [author_seq, record hash] (0 and "" when nothing was seen)."""
    if (not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], int)
            or isinstance(value[0], bool) or value[0] < 0 or not isinstance(value[1], str)
            or len(value[1]) > 128 or (value[0] == 0) != (value[1] == "")):
        raise RecordError("malformed cut")
    return value[0], value[1]


def apply_change(roster: Roster, seq: int, record: SignedRecord,
                 invites: dict[str, InviteTerms]) -> None:
    """Check one membership change against the roster before it and apply it.

    Raises RecordError with the reason when the change breaks the chain or the rules; the
    roster is then left exactly as it was.
    """
    data = record.data
    if data.get("seq") != seq:
        raise RecordError("sequence number does not match its position")
    if data.get("prev") != roster.head_hash:
        raise RecordError("does not follow the previous change (chain broken)")
    action = data.get("action")
    signer = record.author
    target = data.get("member")
    if action not in ACTIONS:
        raise RecordError(f"unknown membership action {action!r}")
    if not is_user_id(target):
        raise RecordError("invalid member id")
    signer_role = roster.role_of(signer)
    current = roster.members.get(target)

    cut: Cut | None = None
    if action == "join":
        if signer != target:
            raise RecordError("a join must be signed by the joiner")
        if roster.active(target):
            raise RecordError("already a member")
        terms = _usable_invite(roster, seq, record, invites.get(str(data.get("invite"))))
        roster.invite_uses[terms.key] = roster.invite_uses.get(terms.key, 0) + 1
        new = Member(target, check_handle(data.get("handle")), terms.role, ACTIVE, seq)
    elif action == "leave":
        if signer != target or current is None or current.state != ACTIVE:
            raise RecordError("only an active member can leave, and only by themselves")
        if target == roster.founder_in_charge and not any(
                m.role is Role.OWNER for m in roster.members.values()
                if m.state == ACTIVE and m.user_id != target):
            raise RecordError("the founder can leave only after making someone else an owner")
        new = replace(current, state=LEFT, since_seq=seq)
        cut = Cut(seq, *parse_cut(data.get("cut")), "gone (left)")
    elif action == "handle":
        if signer != target or current is None or current.state != ACTIVE:
            raise RecordError("only an active member can change their own handle")
        new = replace(current, handle=check_handle(data.get("handle")), since_seq=seq)
    else:
        if signer_role is None:
            raise RecordError("signer is not a member")
        if current is None or current.state != ACTIVE:
            raise RecordError("target is not an active member")
        if target == roster.founder_in_charge:
            raise RecordError("the founder's membership cannot be changed")
        if not may_manage(signer_role, current.role):
            raise RecordError(f"{signer_role.with_article} cannot change {current.role.with_article}")
        aseq, ahash = parse_cut(data.get("cut"))
        if action == "remove":
            new = replace(current, state=REMOVED, since_seq=seq)
            cut = Cut(seq, aseq, ahash, "removed")
        else:
            role = Role.from_value(data.get("role"))
            if role is None:
                raise RecordError("invalid role")
            if not may_grant(signer_role, role):
                raise RecordError(f"{signer_role.with_article} cannot grant {role.label}")
            new = replace(current, role=role, since_seq=seq)
            if role < current.role:
                cut = Cut(seq, aseq, ahash, f"demoted to {role.label}")

    roster._set(new)
    if cut is not None:
        roster.cuts.setdefault(target, []).append(cut)
    if signer == target:
        roster.own_times.setdefault(signer, []).append((seq, record.created_at))
    if (signer_role or 0) >= Role.ADMIN:
        roster.admin_clock = max(roster.admin_clock, record.created_at)
    roster.head_seq = seq
    roster.head_hash = record.hash


def _usable_invite(roster: Roster, seq: int, record: SignedRecord,
                   found: InviteTerms | None) -> InviteTerms:
    """The invite record a join may use: of several claiming its key, the first that passes."""
    if found is None:
        raise RecordError("join names an unknown invite")
    first_error: RecordError | None = None
    for candidate in (found, *found.alternatives):
        try:
            _check_join(roster, seq, record, candidate)
            return candidate
        except RecordError as exc:
            first_error = first_error or exc
    assert first_error is not None
    raise first_error


def _check_join(roster: Roster, seq: int, record: SignedRecord, terms: InviteTerms | None) -> None:
    """A join counts only under an invite that is still good in the state the join extends."""
    if terms is None:
        raise RecordError("join names an unknown invite")
    if record.cosig is None or not verify_signature(terms.key, record.text.encode("utf-8"), record.cosig):
        raise RecordError("join is not countersigned by its invite")
    if terms.member_seq >= seq:
        raise RecordError("join comes before its invite")
    if record.data.get("role") != int(terms.role):
        raise RecordError("join claims a role its invite does not grant")
    minted_role = roster.role_at(terms.signer, terms.member_seq)
    if minted_role is None or minted_role < Role.ADMIN or not may_grant(minted_role, terms.role):
        raise RecordError("invite was made by someone not allowed to grant its role")
    beyond = roster.cut_problem(terms.signer, terms.aseq, terms.digest, terms.member_seq)
    if beyond is not None:
        raise RecordError(f"invite is {beyond}")
    # Removing or demoting the minter revokes their invites: judged in the state the join extends.
    now_role = roster.role_of(terms.signer)
    if now_role is None or now_role < Role.ADMIN or not may_grant(now_role, terms.role):
        raise RecordError("invite's maker is no longer allowed to grant its role")
    for revoker, revoke_seq, revoke_aseq, revoke_hash in terms.revocations:
        if revoke_seq >= seq:
            continue
        if revoker == terms.signer:  # the maker may always withdraw their own invite
            raise RecordError("invite was revoked")
        if (roster.role_at(revoker, revoke_seq) or 0) >= Role.ADMIN and roster.cut_problem(
                revoker, revoke_aseq, revoke_hash, revoke_seq) is None:
            raise RecordError("invite was revoked")
    target = str(record.data.get("member"))
    removed_at = [cut.seq for cut in roster.cuts.get(target, ()) if cut.what == "removed"]
    if removed_at and terms.member_seq < removed_at[-1]:
        raise RecordError("invite was made before this member was removed")
    if terms.expires_at is not None and max(record.created_at, roster.admin_clock) > terms.expires_at:
        raise RecordError("invite had expired")
    if terms.max_uses is not None and roster.invite_uses.get(terms.key, 0) >= terms.max_uses:
        raise RecordError("invite was used up")


def invite_terms(record: SignedRecord) -> InviteTerms:
    """The terms of an `invite` record; RecordError when its fields are malformed."""
    data = record.data
    key, role = data.get("key"), Role.from_value(data.get("role"))
    expires, uses, member_seq = data.get("expires"), data.get("uses"), data.get("mseq")
    if not is_user_id(key) or role is None or not isinstance(member_seq, int):
        raise RecordError("malformed invite")
    if expires is not None and (not isinstance(expires, int) or isinstance(expires, bool)):
        raise RecordError("malformed invite expiry")
    if uses is not None and (not isinstance(uses, int) or isinstance(uses, bool) or uses < 1):
        raise RecordError("malformed invite uses")
    return InviteTerms(key, record.author, role, expires, uses, member_seq, record.created_at,
                       int(data.get("aseq", 0)), record.hash)
