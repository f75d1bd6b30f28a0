"""Replaying a group's membership log and judging its invites, from rows already read.

The rules of each change and invite live in core.membership and core.chain_rules; this module
is the one walk over the rows that applies them, whoever read the rows: core.membership_log
through the models, core.lean_post with plain sqlite3 for `peers send`. Nothing here touches
a database, so both give the same roster for the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable

from peers_tui.core.chain_rules import (
    FORKED, NOT_A_MEMBER, Predecessors, chain_fields, check_chain, non_member)
from peers_tui.core.errors import Forbidden
from peers_tui.core.frozen import replace
from peers_tui.core.kinds import RecordKind
from peers_tui.core.membership import (
    ACTIVE, InviteTerms, Member, Roster, apply_change, invite_terms,
)
from peers_tui.core.raw_values import open_stored as open_record
from peers_tui.core.records import RecordError, SignedRecord
from peers_tui.core.roles import Role, may_grant

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from typing import Any

    from peers_tui.core.views import Problem

    # An invite row's looked-up columns and what it stores: key, kind, author, author_seq,
    # record, sig.
    InviteRow = tuple[Any, Any, Any, Any, Any, Any]
    # (the row's key, its record if it opened, else why not)
    OpenedInvite = tuple[Any, SignedRecord | None, str | None]
    # A membership row: seq, member, record, sig, cosig.
    ChangeRow = tuple[Any, Any, Any, Any, Any]


def open_invites(rows: Iterable[InviteRow], group_id: str) -> list[OpenedInvite]:
    """Each invite row's signed record, if its signature and shape check out and the row's
    looked-up columns are its record's own; else the reason."""
    opened: list[OpenedInvite] = []
    for key, kind, author, author_seq, text, sig in rows:
        try:
            record = open_record(text, sig, group_id=group_id,
                                 kind=(RecordKind.INVITE, RecordKind.REVOKE))
            aseq, _, _ = chain_fields(record)
            if (record.data.get("key") != key or record.kind != kind
                    or record.author != author or aseq != author_seq):
                raise RecordError("row does not match its signed record")
            opened.append((key, record, None))
        except RecordError as exc:
            opened.append((key, None, str(exc)))
    return opened


def signed_invites(opened: list[OpenedInvite]) -> list[SignedRecord]:
    return [record for _, record, _ in opened if record is not None]


def judge_invites(opened: list[OpenedInvite], chain: Predecessors,
                  forked: set[tuple[str, int]],
                  chain_failed: list[tuple[int, SignedRecord]] | None = None,
                  ) -> tuple[dict[str, InviteTerms], list[Problem]]:
    """Every invite whose record, row and author chain check out, and the invite rows that
    failed. `chain` holds the chain positions just before each invite; `forked` the places of
    these chains that two different records of their author hold (core.forks): every record
    there is void, an invite as much as a message. `chain_failed` hears (index in the
    problems, record) of each invite its chain check refused: invites are judged before the
    membership log they would need, so a non-member's is named as such once the log is
    replayed (name_non_members)."""
    terms: dict[str, InviteTerms] = {}
    problems: list[Problem] = []
    for key, record, problem in opened:
        try:
            if record is None:
                raise RecordError(str(problem))
            try:
                check_chain(record, chain, None)
            except RecordError:
                if chain_failed is not None:
                    chain_failed.append((len(problems), record))
                raise
            if (record.author, record.data["aseq"]) in forked:
                raise RecordError(FORKED)
            invite_key = str(record.data.get("key"))
            if record.kind == RecordKind.INVITE:
                found = invite_terms(record)
                if invite_key in terms:
                    # Anyone can sign an invite naming someone else's invite key: keep
                    # every claimant; the join decides which one (if any) it may use.
                    first = terms[invite_key]
                    if found.digest in {c.digest for c in (first, *first.alternatives)}:
                        raise RecordError("a copy of another invite row")
                    found = replace(first, alternatives=first.alternatives + (found,))
                terms[invite_key] = found
            else:  # a link of its author's chain, but it revokes nothing from here
                raise RecordError("a revocation outside the membership log does not count")
        except RecordError as exc:
            from peers_tui.core.views import Problem  # only a damaged file pays for it

            problems.append(Problem(f"invite {str(key)[:8]}", str(exc)))
    return terms, problems


def name_non_members(problems: list[Problem], chain_failed: list[tuple[int, SignedRecord]],
                     roster: Roster) -> None:
    """Name as a non-member's each invite whose chain check failed and whose author the
    membership state it names does not list, as check_chain does for every other record
    (core.chain_rules.non_member): which of a non-member's records a host holds must not
    change the reason."""
    for index, record in chain_failed:
        reason = non_member(record, roster)
        if reason is not None:
            from peers_tui.core.views import Problem  # only a damaged file pays for it

            problems[index] = Problem(problems[index].where, reason)


def invite_authority_problem(roster: Roster, invite: InviteTerms) -> str | None:
    """Why a well-formed invite was not its maker's to make, or None: beyond a cut of its
    author's, its author no member in the state it names (said as for any record), or not
    allowed to grant its role. `peers verify` and the relays judge with this one rule."""
    reason = roster.cut_problem(invite.signer, invite.aseq, invite.digest, invite.member_seq,
                                invite.created_at)
    if reason is not None:
        return reason
    held = roster.role_at(invite.signer, invite.member_seq)
    if held is None:
        return NOT_A_MEMBER
    if held < Role.ADMIN or not may_grant(held, invite.role):
        return "made by someone not allowed to grant its role"
    return None


SET_ASIDE = "set aside: "  # how a row moved out of the log is listed among its problems


def replay_changes(roster: Roster, rows: Iterable[ChangeRow], terms: dict[str, InviteTerms],
                   set_aside: Iterable[tuple[Any, Any]]) -> None:
    """Apply the membership rows (in seq order, the record text breaking ties) to `roster`;
    invalid changes are skipped and listed in `roster.problems`, as are the set-aside rows."""
    for seq, member, text, sig, cosig in rows:
        try:
            record = open_record(text, sig, cosig, group_id=roster.group_id,
                                 kind=RecordKind.MEMBER)
            if record.data.get("member") != member:
                raise RecordError("row does not match its signed record")
            apply_change(roster, seq, record, terms)
        except RecordError as exc:
            roster.problems.append((seq, str(exc)))
    for seq, reason in set_aside:
        roster.problems.append((seq if isinstance(seq, int) else 0,
                                f"{SET_ASIDE}{str(reason)[:200]}"))


def require_active(roster: Roster, user_id: str, doing: str = "post") -> Member:
    """The user as an active member; Forbidden saying what they cannot do (`doing`) and why
    otherwise: "you cannot post: you were removed from this group". A role change or removal
    by an admin removed meanwhile (at the hub, a leaf catching up) was refused in the
    replay's words for a forged record, "signer is not a member" (docs/relay.md)."""
    member = roster.members.get(user_id)
    if member is None:
        raise Forbidden("you are not a member of this group")
    if member.state != ACTIVE:
        how = "left" if member.state == "left" else "were removed from"
        raise Forbidden(f"you cannot {doing}: you {how} this group")
    return member


def require_role(roster: Roster, user_id: str, needed: Role) -> Role:
    """The user's role if it is at least `needed`; Forbidden with the reason otherwise."""
    member = require_active(roster, user_id)
    if member.role < needed:
        if needed is Role.WRITER:
            raise Forbidden("readers cannot post in this group")
        raise Forbidden(f"only {needed.label}s and above can do that")
    return member.role
