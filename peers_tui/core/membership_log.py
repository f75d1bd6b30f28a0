"""The membership log of a group: who is in it with which role, replayed from signed changes,
and the invites those changes may use (an invite is a promise of membership; its revocation is a
change in the log).

Reads verify every change and invite; `current_roster` replays again only when the log moved.
Writes replay afresh inside their transaction and append one signed change after checking it
against the rules (core.membership).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from peers_tui.core import cut_chains
from peers_tui.core.change_cut import cut_fields
from peers_tui.core.chains import forked_here, next_link, predecessors, wanted_before, within_frontier
from peers_tui.core.encoding import now_ms
from peers_tui.core.errors import BadInvite, Forbidden, NotFound, PeersError
from peers_tui.core.group_file import GroupFile
from peers_tui.core.hub_refused import check_writer_clock
from peers_tui.core.identity import Keypair
from peers_tui.core.kinds import RecordKind
from peers_tui.core.membership import (
    InviteTerms, Member, Roster, apply_change, check_handle, closed_pair,
)
from peers_tui.core.membership_replay import (
    judge_invites, name_non_members, open_invites, replay_changes, require_role,
    signed_invites,
)
from peers_tui.core.membership_order import order_change
from peers_tui.core.models import GroupMember, Invite, SetAsideChange, tuples
from peers_tui.core.records import RecordError, SignedRecord, countersign, sign
from peers_tui.core.roles import Role, may_grant
from peers_tui.core.views import MemberView, Problem, member_views

# Changes that end some of a member's authority record a cut (membership.Cut).
CUT_ACTIONS = ("remove", "role", "leave")
# Count, newest and total size of the membership log and of the invites (see membership_mark).
MEMBERSHIP_MARK = (
    "SELECT (SELECT COUNT(*) FROM group_members), (SELECT MAX(seq) FROM group_members),"
    " (SELECT TOTAL(LENGTH(record) + LENGTH(sig) + IFNULL(LENGTH(cosig), 0)) FROM group_members),"
    " (SELECT COUNT(*) FROM invite), (SELECT MAX(id) FROM invite),"
    " (SELECT TOTAL(LENGTH(record) + LENGTH(sig)) FROM invite),"
    " (SELECT COUNT(*) FROM fork_evidence),"  # evidence of a fork voids the invites there
    # A row of the log replaced in place by a genuine one of the same length (`relay refetch`
    # mending a change altered in the file: the altered one is set aside): the log changed.
    " (SELECT COUNT(*) FROM set_aside_changes), (SELECT MAX(id) FROM set_aside_changes)")


# Rounds of judging the invites' crowded places again with the replayed log's cuts (invites).
FORK_ROUNDS = 3

if TYPE_CHECKING:
    from peers_tui.core.chain_rules import Predecessors
    from peers_tui.core.events import EventView
    from peers_tui.core.membership_replay import OpenedInvite

class MembershipLog:
    """The membership changes and invites of one group file, verified on every read."""

    def __init__(self, file: GroupFile) -> None:
        self.file = file
        self._roster_memo: tuple[tuple[object, ...], Roster] | None = None
        self._invite_positions: frozenset[tuple[str, int]] = frozenset()
        # The invites the last judging refused for their chain (membership_replay.judge_invites).
        self._chain_failed: list[tuple[int, SignedRecord]] = []

    def invites(self) -> tuple[dict[str, InviteTerms], list[Problem]]:
        """Every invite whose record, row and author chain check out, and the invite rows that
        failed. Whether an invite may still be used is decided at each join
        (membership._check_join), in the state that join extends; revocations are changes in
        the membership log."""
        with self.file.session():
            opened = open_invites(tuples(Invite.select(
                Invite.key, Invite.kind, Invite.author, Invite.author_seq, Invite.record,
                Invite.sig).order_by(Invite.id)), self.file.group_id)
            signed = signed_invites(opened)
            chain = within_frontier(signed, predecessors(wanted_before(signed),
                                                         group_id=self.file.group_id))
            # Places of these chains that another record of their author holds too: a chain
            # its author forked (core.forks).
            forked = forked_here({(r.author, r.data["aseq"]) for r in signed}, self.file.group_id)
        self._invite_positions = frozenset((r.author, r.data["aseq"]) for r in signed)
        judged = self._judge(opened, chain, forked)
        # A record void by a cut is no half of a fork (core.forks), and the cuts are known only
        # from the log these invites are judged for: where a place is crowded, the log is
        # replayed with these verdicts and the places judged again with its cuts, until they
        # stand (before, a genuine invite at a place a cut released was void wherever the
        # void record sat too, and every join with it: tests/cli/test_void_half_fork_invite).
        # The first replay takes every crowded invite as live: a record signed beside an
        # invite after its maker's removal voided the invite, the join with it and the rest
        # of the log, the removal whose cut shows that record void among it (core.cut_chains).
        terms = self._judge(opened, chain, set())[0] if forked else judged[0]
        for _ in range(FORK_ROUNDS if forked else 0):
            with self.file.session():
                live = forked_here(forked, self.file.group_id, roster=self._replayed(terms))
            if live == forked:
                break
            forked = live
            judged = self._judge(opened, chain, forked)
            terms = judged[0]
        return judged

    def _judge(self, opened: list[OpenedInvite], chain: Predecessors,
               forked: set[tuple[str, int]]) -> tuple[dict[str, InviteTerms], list[Problem]]:
        self._chain_failed = []
        return judge_invites(opened, chain, forked, self._chain_failed)

    def _replayed(self, terms: dict[str, InviteTerms]) -> Roster:
        """The membership log replayed with these invites (inside a session)."""
        genesis = self.file.genesis()
        roster = Roster.from_genesis(self.file.group_id, genesis.author,
                                     str(genesis.data.get("handle")),
                                     closed_pair(genesis.data, genesis.author))
        roster.invite_positions = self._invite_positions
        # Two rows at one seq exist only in a table rebuilt without its key: the record text
        # breaks the tie, so the verdict never depends on the order rows were filed in.
        replay_changes(roster, tuples(GroupMember.select(
            GroupMember.seq, GroupMember.member, GroupMember.record, GroupMember.sig,
            GroupMember.cosig).order_by(GroupMember.seq, GroupMember.record)), terms,
            tuples(SetAsideChange.select(SetAsideChange.seq, SetAsideChange.reason)))
        cut_chains.fill(roster, self.file.db.execute_sql)
        return roster

    def roster(self) -> Roster:
        """Replay the membership log; invalid changes are skipped and listed in `problems`.
        The invites and the log are read in one snapshot (a read transaction, no lock): read
        apart, an invite and a join with it committed in between made the join a problem."""
        with self.file.session(), self.file.db.atomic("DEFERRED"):
            terms, invite_problems = self.invites()
            roster = self._replayed(terms)
        name_non_members(invite_problems, self._chain_failed, roster)
        roster.invite_problems = invite_problems
        return roster

    def membership_mark(self) -> tuple[object, ...]:
        """A cheap fingerprint of the membership log and the invites: it changes whenever a row
        of either is added, removed or rewritten (to another length, or set aside for a genuine
        one), without verifying any."""
        with self.file.session():
            return tuple(self.file.db.execute_sql(MEMBERSHIP_MARK).fetchone())

    def current_roster(self) -> Roster:
        """The roster for reading history: replayed again only when `membership_mark` moves.

        A replay verifies every membership and invite signature; a live log asks at every
        commit. Writes still replay afresh inside their transaction (`roster()`), so a cached
        roster can only ever be the last one verified, never a forged one.
        """
        mark = self.membership_mark()
        memo = self._roster_memo
        if memo is not None and memo[0] == mark:
            return memo[1]
        # The mark kept with the roster is read in the roster's snapshot: read before it, a
        # change committed in between was in a roster kept under the mark before the change.
        with self.file.session(), self.file.db.atomic("DEFERRED"):
            mark = self.membership_mark()
            roster = self.roster()
        self._roster_memo = (mark, roster)
        return roster

    def write_roster(self) -> Roster:
        """The roster a write checks against: replayed afresh inside the write's transaction,
        and kept as the current one (with the mark read in that transaction), so what the
        write does next (pins) does not replay it again."""
        mark = self.membership_mark()
        roster = self.roster()
        self._roster_memo = (mark, roster)
        return roster

    @property
    def roster_mark(self) -> tuple[object, ...] | None:
        """The `membership_mark` that the roster last read (`current_roster`) was checked at."""
        memo = self._roster_memo
        return memo[0] if memo is not None else None

    def members(self, include_former: bool = False) -> list[MemberView]:
        return member_views(self.current_roster().members.values(), include_former)

    def append_change(self, keypair: Keypair, action: str, member: str, fields: dict[str, Any],
                       *, invite_key: Keypair | None = None,
                       error: type[PeersError] = Forbidden) -> Member:
        """Sign and append one membership change, after checking it against the rules."""
        self.file.require_writable()
        check_writer_clock(str(self.file.path.parent))  # the hub refuses one a day ahead
        with self.file.session(), self.file.db.atomic():
            roster = self.roster()
            terms, _ = self.invites()
            seq = roster.head_seq + 1
            self._set_aside(roster, seq)
            signed_at = None
            if action in CUT_ACTIONS:
                # The last record of theirs we have seen: what they sign beyond it under an
                # older membership state is void (membership.Cut; core.change_cut).
                fields, signed_at = cut_fields(self.file, member, action, fields, roster,
                                               keypair.public_id)
            record = sign(keypair, RecordKind.MEMBER, self.file.group_id,
                          {"seq": seq, "prev": roster.head_hash, "action": action,
                           "member": member, **fields}, created_at=signed_at)
            if invite_key is not None:
                record = countersign(record, invite_key)
            try:
                apply_change(roster, seq, record, terms)
            except RecordError as exc:
                raise error(str(exc)) from exc
            order_change(self.file.path, record)  # a federation's hub first (core.membership_order)
            GroupMember.create(seq=seq, member=member, record=record.text, sig=record.sig,
                               cosig=record.cosig)
            return roster.members[member]

    def _set_aside(self, roster: Roster, seq: int) -> None:
        """Move the rows at `seq` and above out of the log: none of them counted (the replay
        just said so, and the log has no gaps), and the next genuine change goes at `seq`.
        They are kept with their reason, so the attempt is still reported."""
        reasons = dict(roster.problems)
        for row in GroupMember.select().where(GroupMember.seq >= seq):
            SetAsideChange.create(seq=row.seq, member=row.member, record=row.record, sig=row.sig,
                                  cosig=row.cosig, reason=reasons.get(row.seq, "did not count"))
        GroupMember.delete().where(GroupMember.seq >= seq).execute()

    def set_role(self, keypair: Keypair, member: str, role: Role) -> Member:
        return self.append_change(keypair, "role", member, {"role": int(role)})

    def remove(self, keypair: Keypair, member: str) -> Member:
        return self.append_change(keypair, "remove", member, {})

    def leave(self, keypair: Keypair) -> Member:
        return self.append_change(keypair, "leave", keypair.public_id, {})

    def set_handle(self, keypair: Keypair, handle: str) -> Member:
        return self.append_change(keypair, "handle", keypair.public_id, {"handle": handle})

    def join(self, keypair: Keypair, handle: str, invite_key: Keypair) -> Member:
        """Append the joiner's own signed change, countersigned by the invite's key."""
        terms, _ = self.invites()
        found = terms.get(invite_key.public_id)
        if found is None:
            raise BadInvite("this invite code is not known to the group (wrong or forged code)")
        first_error: BadInvite | None = None
        for candidate in (found, *found.alternatives):  # several records may claim the key
            try:
                return self.append_change(
                    keypair, "join", keypair.public_id,
                    {"role": int(candidate.role), "handle": check_handle(handle),
                     "invite": candidate.key, "irec": candidate.digest},
                    invite_key=invite_key, error=BadInvite)
            except BadInvite as exc:
                first_error = first_error or exc
        assert first_error is not None
        raise first_error

    def create_invite(self, keypair: Keypair, role: Role, expires_at: int | None,
                      max_uses: int | None) -> Keypair:
        """Sign an invite record carrying a fresh invite key; return that key (the code's secret)."""
        invite_key = Keypair.generate()
        self.file.require_writable()
        check_writer_clock(str(self.file.path.parent))  # its time is its author's next floor
        with self.file.session(), self.file.db.atomic():
            roster = self.roster()
            mine = roster.role_of(keypair.public_id)
            if mine is None or mine < Role.ADMIN:
                raise Forbidden("only admins and owners can invite")
            if not may_grant(mine, role):
                raise Forbidden(f"{mine.with_article} cannot invite {role.with_article}")
            link, floor, _ = next_link(keypair.public_id, self.file.group_id, roster,
                                       self.file.label, message=False,
                                       pin=self.file.pin_of(keypair.public_id, roster),
                                       kept=self.file.kept_of(keypair.public_id))
            record = sign(keypair, RecordKind.INVITE, self.file.group_id, {
                "key": invite_key.public_id, "role": int(role), "expires": expires_at,
                "uses": max_uses, **link}, created_at=max(now_ms(), floor))
            Invite.create(key=invite_key.public_id, kind=str(RecordKind.INVITE), record=record.text,
                          sig=record.sig, author=record.author, author_seq=record.data["aseq"])
        return invite_key

    def revoke_invite(self, keypair: Keypair, key: str) -> None:
        """Revoke an invite: a change in the membership log, so it counts for every join
        after it and none before."""
        terms, _ = self.invites()
        if key not in terms:
            raise NotFound("no such invite in this group")
        self.append_change(keypair, "revoke", keypair.public_id, {"invite": key})

    def find_invite(self, prefix: str) -> str:
        """The full key of the invite whose id starts with `prefix`."""
        terms, _ = self.invites()
        matches = [key for key in terms if key.startswith(prefix.lower())]
        if not matches:
            raise NotFound(f"no invite {prefix!r} in this group")
        if len(matches) > 1:
            raise PeersError(f"invite id {prefix!r} is ambiguous; give more characters")
        return matches[0]

    def events(self) -> list[EventView]:
        """The membership log as events of the history (core.events), in log order."""
        from peers_tui.core.events import membership_events

        roster = self.current_roster()
        terms, _ = self.invites()
        with self.file.session():
            return membership_events(roster, terms, str(self.file.genesis().data.get("handle")))


__all__ = ["CUT_ACTIONS", "MEMBERSHIP_MARK", "MembershipLog", "require_role"]
