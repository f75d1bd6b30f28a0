"""Talking to people by name through an Account: invitations by name and direct conversations.

A **direct conversation** between two people is a group whose genesis record carries
`"dm": [id1, id2]` (the two user ids, sorted), founded by one of the two. The genesis is
signed and hashed into the group id, so the marker cannot be added or changed later, and a
third person cannot found a "direct conversation" between two others (the founder must be
one of the pair). `peers dm bob` uses the one such group with bob that we are an active
member of or hold a genuine invitation to; if there are several (both started one at the
same moment), the one with the smallest group id, so both sides settle on the same group.
Only when there is none is a group founded, and bob invited (one use, no expiry) by a
sealed invitation. Each side lists it under the other's handle. The invited one joins as
an admin, so either of the two may set the topic or tidy the log (as a writer, the second
person of a conversation of two was told "only admins and above can do that").
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from peers_tui.core.kinds import RecordKind
from peers_tui.core.conversation_names import (
    DM_NAME, genesis_pair, list_conversation, partner_in,
)
from peers_tui.core.account import Account
from peers_tui.core.database import create_file
from peers_tui.core.encoding import b32
from peers_tui.core.errors import AlreadyMember, BadInvite, InviteNotArrived, PeersError, ReadOnly
from peers_tui.core.federation_people import (
    KnownPerson, delivery_note, find_known_to, known_to,
)
from peers_tui.core.group_store import GROUP_FILE_MODE, GroupStore, group_id_of
from peers_tui.core.identity import fingerprint
from peers_tui.core.inbox_reading import NO_SUCH_INVITE, read_inbox
from peers_tui.core.invitations import Invitation, deliver, discard, find, named_apart
from peers_tui.core.invites import InviteCode
from peers_tui.core.membership import ACTIVE, NOT_IN_PAIR
from peers_tui.core.models import GroupInfo
from peers_tui.core.personal_store import GroupEntry
from peers_tui.core.profiles import Profile
from peers_tui.core.records import SignedRecord, sign
from peers_tui.core.roster import PAIR_ONLY
from peers_tui.core.roles import Role

HANDLED_SETTING = "invitations_handled"  # ids of invitations accepted or declined here


def invite_to(account: Account, group: str, person: str, role: Role = Role.WRITER,
              uses: int | None = 1, expires_in: int | None = 7 * 24 * 3600,
              extra: dict[str, object] | None = None) -> tuple[Profile, str]:
    """Invite `person` (anyone known: core.federation_people) to `group` with a sealed
    invitation: the (profile, invitation id). `reach_note` says whether it reaches them now."""
    # Anyone known in the federation or in our groups: one at home on another host gets it
    # through the relays (relay.presence_carry carries it from the inbox it is dropped into
    # here), when their host is heard from.
    profile = find_known_to(account, person).profile
    if profile.user_id == account.user_id:
        raise PeersError("you cannot invite yourself")
    entry = account.resolve(group)
    roster = account.store(entry).current_roster()
    if roster.active(profile.user_id) is not None:
        raise PeersError(f"{profile.handle} is already a member of {entry.name}")
    if roster.pair is not None and profile.user_id not in roster.pair:
        raise PeersError(f"{NOT_IN_PAIR}: {profile.handle} cannot join it")
    code = account.invite(group, role, uses, expires_in)
    return profile, deliver(account.paths.hub, account.keypair, profile.user_id, code,
                            account.store(entry).name, extra)


def reach_note(account: Account, user_id: str) -> str | None:
    """One line for the sender of an invitation to `user_id` that does not reach them now
    (their host is offline, or where they live is not known here); None when it does."""
    for known in known_to(account):
        if known.profile.user_id == user_id:
            return delivery_note(account.paths.hub, known)
    return delivery_note(account.paths.hub, KnownPerson(Profile(user_id, fingerprint(user_id), 0),
                                                        (), False, False))


def _handled_list(account: Account) -> list[str]:
    try:
        value = json.loads(account.personal.setting(HANDLED_SETTING) or "[]")
    except (ValueError, RecursionError):
        return []
    return [str(item) for item in value] if isinstance(value, list) else []


def handled(account: Account) -> set[str]:
    """The ids of the invitations accepted or declined here (hidden from now on)."""
    return set(_handled_list(account))


def _mark_handled(account: Account, invitation: Invitation) -> None:
    done = [i for i in _handled_list(account) if i != invitation.id] + [invitation.id]
    account.personal.set_setting(HANDLED_SETTING, json.dumps(done[-1000:]))  # the newest
    discard(account.paths.hub, account.user_id, invitation)


def pending(account: Account) -> list[Invitation]:
    """Our invitations not yet accepted or declined: offered ones and refused ones, each
    sender named apart from look-alikes among the people known to us (core.invitations):
    those known in the federation and the members of our groups, as the conversation is
    named once accepted (a namesake of a fellow member who publishes no profile was named
    plainly: fifteenth attack pass)."""
    found = read_inbox(account.paths.hub, account.keypair, handled(account))
    if not found:
        return found
    people = [(k.profile.user_id, k.profile.handle) for k in known_to(account)]
    return named_apart(found, people)


_NOT_ARRIVED = ("invitation {}: its invite has not reached this host yet (it follows what was "
                "written in the group before it); try again in a minute")


def accept(account: Account, ident: str,
           fetch: Callable[[str], None] | None = None,
           arrived: Callable[[str], bool] | None = None) -> GroupEntry:
    """Join the group of an offered invitation; a refused one raises with its reason. One
    to a group on another host is fetched first with `fetch(code)` (the relay's, as for
    `peers join CODE`), then judged like any other. One to a group here whose file lacks
    its invite is judged again once `arrived(code)` says the invite came (the relay's
    JoinFetch.invite_arrived: waited for while the hub says it is on its way; a BadInvite
    with the hub's word when it did not come; False when it cannot be waited for)."""
    invitation = find(pending(account), ident)
    fetched = False
    if invitation.elsewhere and invitation.code is not None:
        if fetch is not None:
            try:
                fetch(str(invitation.code))
            except InviteNotArrived:  # waited for at the hub: said as below
                raise BadInvite(_NOT_ARRIVED.format(invitation.id)) from None
            invitation, fetched = find(pending(account), ident), True
        if invitation.elsewhere:
            raise BadInvite(f"invitation {invitation.id} is to a group on another host, not "
                            "in this hub yet: this host's relay fetches it (peers relay)")
    if fetched and invitation.problem == NO_SUCH_INVITE:
        # The invitation travels at once, its invite record in its group's order, behind
        # whatever was written there before it (sixteenth acceptance pass: an import of
        # 100,000 messages, 75 s): not yet here is not forged.
        raise BadInvite(_NOT_ARRIVED.format(invitation.id))
    if (invitation.problem == NO_SUCH_INVITE and invitation.code is not None
            and arrived is not None):
        # Its group here already (another member on this host): the same, its invite on its
        # way to this file; waited for as `peers join CODE` waits (relay/invite_wait.py)
        try:
            if arrived(str(invitation.code)):
                invitation = find(pending(account), ident)
        except BadInvite as exc:
            raise BadInvite(f"invitation {invitation.id}: {exc}") from None
    if invitation.problem or invitation.code is None:
        raise BadInvite(f"invitation {invitation.id} refused: {invitation.problem}")
    entry = _join(account, invitation.code)
    _mark_handled(account, invitation)
    other = dm_partner(account, account.store(entry))
    if other is not None:
        entry = list_conversation(account, entry, other)
    return entry


def _join(account: Account, code: InviteCode) -> GroupEntry:
    try:
        return account.join(str(code))
    except AlreadyMember as exc:
        entry = exc.entry
        if not isinstance(entry, GroupEntry):
            raise
        return entry


def decline(account: Account, ident: str) -> Invitation:
    invitation = find(pending(account), ident)
    _mark_handled(account, invitation)
    return invitation


# ----------------------------------------------------------------- direct conversations
def dm_pair(store: GroupStore) -> tuple[str, str] | None:
    """The two people of a direct conversation, from its genesis; None for any other group."""
    return genesis_pair(store.genesis())


def dm_partner(account: Account, store: GroupStore) -> str | None:
    """The other person of a direct conversation we are in, else None."""
    return partner_in(account.user_id, store)


def _found(account: Account, other: str) -> GroupEntry:
    """Found a direct conversation with `other` (the genesis carries the pair). A first
    write of the new file that SQLite refuses as read-only (seen on a leaf whose link to the
    hub blinked just then: docs/relay.md, "A dm while the link blinks") is tried once more
    with a new file; twice refused, one line says to try again (nothing was started)."""
    try:
        return _found_once(account, other)
    except ReadOnly:
        pass  # its file is gone again (_found_once): a new genesis, a new file
    try:
        return _found_once(account, other)
    except ReadOnly as exc:
        raise PeersError(f"the direct conversation could not be started now ({exc}); nothing "
                         "was started: try again in a moment") from exc


def _found_once(account: Account, other: str) -> GroupEntry:
    hub = account.paths.hub
    genesis = sign(account.keypair, RecordKind.GENESIS, None, {
        "name": DM_NAME, "handle": account.handle, "nonce": b32(os.urandom(10)),
        "dm": sorted([account.user_id, other]), PAIR_ONLY: True})
    group_id = group_id_of(genesis)
    hub.mkdir(parents=True, exist_ok=True)
    path = hub / f"{group_id}.db"
    create_file(path, GROUP_FILE_MODE)
    store = GroupStore(path, group_id)
    try:
        with store.session(create=True):
            GroupInfo.create(id=group_id, record=genesis.text, sig=genesis.sig)
    except PeersError:
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            try:
                leftover.unlink(missing_ok=True)
            except OSError:  # another user's -wal in a sticky hub: the relay's, left
                pass
        raise
    finally:
        store.close()
    return account.personal.add_group(group_id, DM_NAME, path)


def conversations_with(account: Account, other: str) -> list[GroupEntry]:
    """Our listed direct conversations with `other` that we are still an active member of."""
    found = []
    for entry in account.entries():
        if entry.personal:
            continue
        try:
            store = account.store(entry)
            member = store.current_roster().active(account.user_id)
            if member is not None and member.state == ACTIVE and dm_partner(account, store) == other:
                found.append(entry)
        except PeersError:
            continue  # a damaged group is no conversation to reuse
    return found


def _offered(account: Account, other: str) -> dict[str, Invitation]:
    """`other`'s genuine invitations to us that claim a direct conversation, by group id
    (one to a group on another host is judged once its group is here)."""
    offered: dict[str, Invitation] = {}
    for invitation in pending(account):
        if invitation.problem is None and invitation.from_id == other and invitation.claims_dm:
            offered.setdefault(invitation.group_id, invitation)
    return offered


def dm(account: Account, person: str, fetch: Callable[[str], None] | None = None
       ) -> tuple[GroupEntry, bool]:
    """The direct conversation with `person`: found, accepted from their invitation, or
    founded and offered to them. (entry, founded now). An invitation from another host
    names a group not here yet: with `fetch` (the relay's, as for `peers join CODE`) the
    first such one is fetched and judged here, so both sides settle on one conversation
    (fifteenth acceptance pass: the side invited founded a second one)."""
    profile = find_known_to(account, person).profile  # on any host, or in our groups
    other = profile.user_id
    if other == account.user_id:
        raise PeersError("a direct conversation needs someone else: use your personal group "
                         "for notes to yourself")
    mine = {entry.id: entry for entry in conversations_with(account, other)}
    offered = _offered(account, other)
    away = sorted(g for g, i in offered.items() if not i.direct and i.code is not None)
    if fetch is not None and away and away[0] < min(mine, default="~"):
        try:
            fetch(str(offered[away[0]].code))
        except PeersError:
            pass  # the relay cannot fetch it now: what is here decides, as without a relay
        offered = _offered(account, other)
    offered = {g: i for g, i in offered.items() if i.direct}
    candidates = sorted(set(mine) | set(offered))
    if candidates:
        chosen = candidates[0]
        if chosen in mine:
            return list_conversation(account, mine[chosen], other), False
        return accept(account, offered[chosen].id), False
    entry = _found(account, other)
    invite_to(account, entry.id, other, Role.ADMIN, uses=1, expires_in=None,
              extra={"dm": True})
    return list_conversation(account, entry, other), True
