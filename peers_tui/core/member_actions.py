"""Changing who is in a group, as one user: invite codes, joining, roles, removals, leaving,
and reading the verified roster. Each write pins the heads it produced (core.pins).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from peers_tui.core.encoding import now_ms
from peers_tui.core.errors import (AlreadyMember, Ambiguous, BadInvite, Forbidden, NotFound,
                                   PeersError)
from peers_tui.core.group_store import GroupStore
from peers_tui.core import typed_people
from peers_tui.core.invites import InviteCode, check_code_of_member, parse_code
from peers_tui.core.membership import ACTIVE, NOT_IN_PAIR, REMOVED, Member
from peers_tui.core.membership_replay import require_active
from peers_tui.core.names import shown_name
from peers_tui.core.group_entry import MIN_PREFIX
from peers_tui.core.personal_store import GroupEntry
from peers_tui.core.pins import membership_problems
from peers_tui.core.roles import Role
from peers_tui.core.user_context import UserContext
from peers_tui.core.views import MemberView, Problem

if TYPE_CHECKING:
    from peers_tui.core.invite_list import InviteView

# An invite made without saying otherwise: one person, within a week.
DEFAULT_USES = 1
DEFAULT_EXPIRES = 7 * 24 * 3600


class MemberActions:
    """One user's membership actions across their groups."""

    def __init__(self, me: UserContext) -> None:
        self.me = me

    def invite(self, query: str, role: Role = Role.WRITER, uses: int | None = DEFAULT_USES,
               expires_in: int | None = DEFAULT_EXPIRES) -> InviteCode:
        """An invite code for `query`: by default good for one join within seven days;
        `uses` None = any number of joins, `expires_in` (seconds) None = never expires."""
        if uses is not None and uses < 1:
            raise PeersError("an invite must allow at least 1 use")
        entry, store = self.me.group_store(query, shared=True)
        roster = store.current_roster()
        if roster.pair is not None and all(roster.active(p) for p in roster.pair):
            raise PeersError(f"{NOT_IN_PAIR}: both are in it, no one else can join")
        expires_at = now_ms() + expires_in * 1000 if expires_in else None
        key = store.create_invite(self.me.keypair, role, expires_at, uses)
        self.me.pins.after_write(entry, store)
        return InviteCode(store.group_id, key)

    def invites(self, query: str) -> list[InviteView]:
        """The group's invites that could still admit someone (admins and owners only)."""
        from peers_tui.core.invite_list import outstanding_invites

        _, store = self.me.group_store(query, shared=True)
        role = store.current_roster().role_of(self.me.user_id)
        if role is None or role < Role.ADMIN:
            raise Forbidden("only admins and owners can list a group's invites")
        return outstanding_invites(store)

    def revoke(self, query: str, code_or_id: str) -> str:
        entry, store = self.me.group_store(query, shared=True)
        text = code_or_id.strip()
        if ":" in text:
            code = parse_code(text)
            if code.group_id != store.group_id:
                raise PeersError("that invite code belongs to another group")
            key = code.key.public_id
        else:
            if len(text) < MIN_PREFIX:
                raise PeersError(f"give at least {MIN_PREFIX} characters of the invite id")
            key = store.find_invite(text)
        self.still_in(store, "revoke an invite")
        with self.told_if_gone(store, "revoke an invite"):
            store.revoke_invite(self.me.keypair, key)
        self.me.pins.after_write(entry, store)
        return key

    def join(self, code_text: str) -> GroupEntry:
        """Join with an invite code: sign our membership change, then list the group."""
        code = parse_code(code_text)
        path = self.me.paths.hub / f"{code.group_id}.db"
        try:
            found = path.exists() or path.is_symlink()
        except PermissionError as exc:
            raise Forbidden(f"you may not look into the hub {self.me.paths.hub} (permission "
                            "denied: is your user in the hub's Unix group?)") from exc
        if not found:
            raise NotFound(f"group {code.group_id} is not in your hub ({self.me.paths.hub})")
        store = GroupStore(path, code.group_id)
        store.genesis()
        roster = store.roster()
        already = roster.active(self.me.user_id) is not None
        if not already:
            try:
                store.join(self.me.keypair, self.me.handle, code.key)
            except BadInvite:
                # This user's own join may have come in meanwhile: one the hub ordered before
                # its `peers join` was killed, applied by the relay between the roster read
                # above and the write ("already a member", exit 1, where the next run says
                # "already a member of team" and lists it: test_relay_join_killed at load).
                roster = store.roster()
                already = roster.active(self.me.user_id) is not None
                if not already:
                    raise
        if already:  # any code "worked" here once: a forged or expired one must still be refused
            check_code_of_member(store.invites()[0].get(code.key.public_id), roster, now_ms())
        self.me.stores.add(store)
        entry = self.me.personal.add_group(store.group_id, store.name, path)
        self.me.pins.after_write(entry, store)
        if already:
            raise AlreadyMember(f"already a member of {shown_name(entry.name)}", entry)
        return entry

    def members(self, query: str, include_former: bool = False) -> list[MemberView]:
        return self.members_checked(query, include_former)[0]

    def members_checked(self, query: str, include_former: bool = False
                        ) -> tuple[list[MemberView], list[Problem]]:
        """The verified roster, and what shows that the membership log was cut or forged."""
        entry, store = self.me.group_store(query)
        members = store.members(include_former)
        return members, self.me.pins.problems(entry, store) + membership_problems(store.current_roster())

    def find_member(self, store: GroupStore, query: str) -> Member:
        """A member by whole id; by `handle~fingerprint` as shown beside a look-alike (only
        that form: never a handle spelled so); by exact handle; then by an id prefix of a
        whole fingerprint or more, for a word like no one's handle (core.typed_people)."""
        members = list(store.roster().members.values())
        text = query.strip().lstrip("@")
        nobody = f"no member {query!r} in this group"
        named = typed_people.by_id_or_label(members, text, nobody)
        if named is not None:
            return named
        by_handle = [m for m in members if m.handle == text]
        active = [m for m in by_handle if m.state == ACTIVE]
        if len(active) == 1 or (len(by_handle) == 1 and not active):
            return typed_people.checked_handle(members, text, (active or by_handle)[0])
        if by_handle:  # several active, or several former ones and none active
            raise Ambiguous(f"handle {text!r} is ambiguous; name one as handle~fingerprint: "
                            + ", ".join(typed_people.label(m) for m in active or by_handle))
        return typed_people.by_id_prefix_last(members, text, nobody, "member id prefix")

    def member_label(self, query: str, user_id: str) -> str:
        """A member of the group `query` named as its log names them: `handle~fingerprint`
        where another member's handle (a former one's too) is the same or looks alike."""
        return self.me.group_store(query)[1].current_roster().label_of(user_id)

    def set_role(self, query: str, member: str, role: Role) -> Member:
        entry, store = self.me.group_store(query, shared=True)
        target = self.find_member(store, member)
        self.still_in(store, "change a role")
        gone_from(store, target)
        judged = ""
        if target.role == role:  # ... judged against the hub's head, not this copy alone
            target, judged = self.at_hubs_head(store, target, member)
        if target.role == role:  # a record that changes nothing: each is kept for good
            raise PeersError(f"{store.current_roster().label_of(target.user_id)} is already "
                             f"{role.with_article}{judged}: nothing was changed")
        with self.told_if_gone(store, "change a role"):  # ... we, or they:
            try:
                changed = store.set_role(self.me.keypair, target.user_id, role)
            except PeersError:  # gone since the look above (another host's change, applied here)
                gone_from(store, self.find_member(store, member))
                raise
        self.me.pins.after_write(entry, store)
        return changed

    def remove(self, query: str, member: str) -> Member:
        entry, store = self.me.group_store(query, shared=True)
        target = self.find_member(store, member)
        if target.user_id == self.me.user_id:
            raise PeersError("to leave a group use 'peers leave'")
        self.still_in(store, "remove a member")
        gone_from(store, target)
        with self.told_if_gone(store, "remove a member"):  # (as set_role)
            try:
                removed = store.remove(self.me.keypair, target.user_id)
            except PeersError:
                gone_from(store, self.find_member(store, member))
                raise
        self.me.pins.after_write(entry, store)
        return removed

    def at_hubs_head(self, store: GroupStore, target: Member, member: str
                     ) -> tuple[Member, str]:
        """`target` as the hub's membership head has them, this file brought up to it first
        (relay.hub_head): two admins on two hosts at one moment, the one whose file had not
        received the other's change was told "already an admin: nothing was changed" and the
        roster showed the other's role a moment later (h-told). Their role now differing, the
        change is made, as a change that lost the race at the hub is made again after the
        winner (run_ordered): the roster's log shows both. The hub not reachable: judged on
        this host's copy, said so."""
        from peers_tui.core.membership_order import caught_up_with_hub

        reached = caught_up_with_hub(store.path, store.current_roster().head_seq)
        if reached is False:
            return target, " (as this host's copy says: the hub cannot be asked now)"
        if reached:
            target = self.find_member(store, member)
            gone_from(store, target)
        return target, ""

    def still_in(self, store: GroupStore, doing: str) -> None:
        """Refuse a change by us once we left or were removed, in our own terms ("you cannot
        change a role: you were removed from this group"), not the replay's for a forged
        record ("signer is not a member"): an admin removed at the hub meanwhile, on a leaf
        that caught up with it (docs/relay.md, "A removed signer told so")."""
        require_active(store.current_roster(), self.me.user_id, doing)

    @contextmanager
    def told_if_gone(self, store: GroupStore, doing: str) -> Iterator[None]:
        """A write refused (PeersError) because we were removed or left since the look
        before it (the hub's change, caught up with on a leaf): said in our terms
        (`still_in`), else the refusal as it was."""
        try:
            yield
        except PeersError:
            self.still_in(store, doing)
            raise

    def leave(self, query: str) -> GroupEntry:
        """Sign our leave in the group; the Groups table keeps it, shown as left."""
        entry, store = self.me.group_store(query, shared=True)
        self.still_in(store, "leave")
        with self.told_if_gone(store, "leave"):
            store.leave(self.me.keypair)
        self.me.pins.after_write(entry, store)
        return entry


def gone_from(store: GroupStore, target: Member) -> None:
    """A role change or removal of someone no longer in the group, said so by name (the
    loser of a race: another host removed them a moment before; seventeenth acceptance pass:
    "target is not an active member")."""
    if target.state != ACTIVE:
        gone = "was removed from" if target.state == REMOVED else "has left"
        raise PeersError(f"{store.current_roster().label_of(target.user_id)} {gone} this group: "
                         "nothing was changed")
