"""Replaying the signed membership log into a roster (core.roster), and the rules each change
and each invite a join uses must pass.

GroupMembers is an append-only, hash-chained log. The roster is never stored as truth: it is
computed by replaying the valid changes in `seq` order, where a change is valid only if its
signer held the needed role in the state just before it. The same `apply_change` checks a
change before it is appended and again whenever the log is replayed, so the rules live here only.
"""

from __future__ import annotations

from peers_tui.core.identity import is_user_id, verify_signature
from peers_tui.core.frozen import Frozen, replace, set_field
from peers_tui.core.records import PAST_64_BITS, RecordError, SignedRecord, past_64_bits
from peers_tui.core.roles import Role, may_grant, may_manage
from peers_tui.core.roster import (
    ACTIVE, LEFT, REMOVED, Cut, Member, MemberState, Roster, closed_pair, dm_pair,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from typing import Any

ACTIONS = ("join", "role", "remove", "leave", "handle", "revoke")
# A join of anyone but the two people a direct conversation's genesis names (Roster.pair):
# before, either of them could bring others into what both sides list as the other's name.
NOT_IN_PAIR = "a direct conversation admits only its two people"
MAX_HANDLE = 64


def check_handle(value: Any) -> str:
    """A handle as a record may carry it; RecordError otherwise."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_HANDLE:
        raise RecordError("invalid handle")
    return value


class InviteTerms(Frozen):
    """An invite record whose signature, shape and author chain check out.

    Whether it may still be used is decided at each join, against the roster at that point
    (its minter's role then, the cuts known then, revocations in the log); see `_check_join`.
    """

    __slots__ = _fields = ("key", "signer", "role", "expires_at", "max_uses", "member_seq",
                           "created_at", "aseq", "digest", "alternatives")
    key: str
    signer: str
    role: Role
    expires_at: int | None
    max_uses: int | None
    member_seq: int
    created_at: int
    aseq: int
    digest: str
    # Other invite records naming the same key (only its first claimant is this one).
    alternatives: tuple[InviteTerms, ...]

    def __init__(self, key: str, signer: str, role: Role, expires_at: int | None,
                 max_uses: int | None, member_seq: int, created_at: int, aseq: int = 0,
                 digest: str = "", alternatives: tuple[InviteTerms, ...] = ()) -> None:
        for name, value in zip(self._fields, (key, signer, role, expires_at, max_uses,
                                              member_seq, created_at, aseq, digest,
                                              alternatives)):
            set_field(self, name, value)


def parse_cut(value: Any) -> tuple[int, str]:
    """A change's `cut` field: [author_seq, record hash] (0 and "" when nothing was seen)."""
    if (not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], int)
            or isinstance(value[0], bool) or value[0] < 0 or not isinstance(value[1], str)
            or len(value[1]) > 128 or (value[0] == 0) != (value[1] == "")):
        raise RecordError("malformed cut")
    if past_64_bits(value[0]):  # no lookup of that place (fourteenth attack pass)
        raise RecordError(f"malformed cut: its place is {PAST_64_BITS}")
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
    if seq != roster.head_seq + 1:
        # No gaps: a change filed later below a gap must not be able to break the chain of
        # the genuine changes above it (and so undo a removal).
        raise RecordError("does not follow the previous change (a gap in the log)")
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
    new: Member | None
    if action == "join":
        if signer != target:
            raise RecordError("a join must be signed by the joiner")
        if roster.active(target):
            raise RecordError("already a member")
        if roster.pair is not None and target not in roster.pair:
            raise RecordError(NOT_IN_PAIR)
        used = _usable_invite(roster, seq, record, invites.get(str(data.get("invite"))))
        terms = used[0]
        roster.invite_uses[terms.key] = roster.invite_uses.get(terms.key, 0) + 1
        # The log fixes the invite records this join used at their places of their makers'
        # chains (Roster.bound): nothing a maker signs later undoes the join and the log
        # after it. Every one it had to satisfy, so the file's row order picks none.
        for found in used:
            roster.bound.setdefault((found.signer, found.aseq), (found.digest, seq))
        new = Member(target, check_handle(data.get("handle")), terms.role, ACTIVE, seq)
    elif action == "leave":
        if signer != target or current is None or current.state != ACTIVE:
            raise RecordError("only an active member can leave, and only by themselves")
        if target == roster.founder_in_charge and not any(
                m.role is Role.OWNER for m in roster.members.values()
                if m.state == ACTIVE and m.user_id != target):
            raise RecordError("the founder can leave only after making someone else an owner")
        new = replace(current, state=LEFT, since_seq=seq)
        cut = Cut(seq, *parse_cut(data.get("cut")), "gone (left)", until=record.created_at)
    elif action == "revoke":
        # In the log, not beside it: a revocation counts from its place on, for every join
        # after it and none before, whatever state its signer claims.
        key = str(data.get("invite"))
        revoked = invites.get(key)
        if signer != target or signer_role is None:
            raise RecordError("only a member can revoke an invite, and only as themselves")
        if revoked is None:
            raise RecordError("revokes an unknown invite")
        makers = {c.signer for c in (revoked, *revoked.alternatives)}
        if signer not in makers and signer_role < Role.ADMIN:
            raise RecordError("only admins and the invite's maker can revoke it")
        if key in roster.revoked:
            raise RecordError("invite was revoked already")
        roster.revoked[key] = seq
        new = None
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

    if new is not None:
        roster._set(new)
    if cut is not None:
        roster.cuts.setdefault(target, []).append(cut)
    if signer == target:
        roster.own_times.setdefault(signer, []).append((seq, record.created_at))
    if (signer_role or 0) >= Role.ADMIN:
        roster.admin_clock = max(roster.admin_clock, record.created_at)
    roster.head_seq = seq
    roster.head_hash = record.hash
    roster.chain[seq] = record.hash


def _usable_invite(roster: Roster, seq: int, record: SignedRecord,
                   found: InviteTerms | None) -> list[InviteTerms]:
    """The invite record a join uses. A join that names it by hash (`irec`) is judged by that
    record alone: a second claim of its key, signed later for all a reader can tell, would
    otherwise void the join and the log after it (docs/relay.md "Twelfth attack pass").
    Without `irec` (joins signed before it existed) several records may claim one invite key:
    forged claims (by someone who could not mint it) are set aside, and the join must satisfy
    every genuine one, so a second claim can narrow an invite's terms but never widen them."""
    if found is None:
        raise RecordError("join names an unknown invite")
    candidates = (found, *found.alternatives)
    if "irec" in record.data:
        named = [c for c in candidates if c.digest == record.data["irec"]]
        if not named:
            raise RecordError("join names an invite record the group does not hold")
        _check_join(roster, seq, record, named[0])
        return named[:1]
    genuine = [c for c in candidates if _minted_by_right(roster, c)] or [found]
    for candidate in genuine:
        _check_join(roster, seq, record, candidate)
    return genuine


def _minted_by_right(roster: Roster, terms: InviteTerms) -> bool:
    role = roster.role_at(terms.signer, terms.member_seq)
    return (role is not None and role >= Role.ADMIN and may_grant(role, terms.role)
            and roster.cut_problem(terms.signer, terms.aseq, terms.digest, terms.member_seq,
                                   terms.created_at) is None)


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
    beyond = roster.cut_problem(terms.signer, terms.aseq, terms.digest, terms.member_seq,
                                terms.created_at)
    if beyond is not None:
        raise RecordError(f"invite is {beyond}")
    # Removing or demoting the minter revokes their invites, for good (being made an admin
    # again later does not revive them): judged in the state the join extends.
    now_role = roster.role_of(terms.signer)
    if (now_role is None or now_role < Role.ADMIN or not may_grant(now_role, terms.role)
            or any(cut.seq > terms.member_seq for cut in roster.cuts.get(terms.signer, ()))):
        raise RecordError("invite's maker is no longer allowed to grant its role")
    if terms.key in roster.revoked:
        raise RecordError("invite was revoked")
    # A member who was removed or demoted cannot come back (or leave and rejoin) with an
    # invite made before that: it would restore what the change took away.
    target = str(record.data.get("member"))
    ended = [cut for cut in roster.cuts.get(target, ()) if cut.what != "gone (left)"]
    if ended and terms.member_seq < ended[-1].seq:
        raise RecordError(f"invite was made before this member was {ended[-1].what}")
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


__all__ = ["ACTIONS", "ACTIVE", "LEFT", "MAX_HANDLE", "NOT_IN_PAIR", "REMOVED", "Cut",
           "InviteTerms", "Member", "MemberState", "Roster", "apply_change", "check_handle",
           "closed_pair", "dm_pair", "invite_terms", "is_user_id", "parse_cut"]
