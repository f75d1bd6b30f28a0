"""The name a direct conversation is listed under: the other person's handle.

A direct conversation is listed when it is started or accepted (core.direct), and the listing
then follows the other person: their handle change is signed into the conversation too
(Account.spread_handle), and each count of the user's groups (core.summary_pass for the app,
`peers groups`) lists it again under the handle its roster gives them, as irssi's or
weechat's query window follows a nick change. Before, bob renamed "robert" stayed "bob" in
alice's list for good, and `peers log robert` found nothing.

A handle that another person known here has too, or one like it, carries the other's
fingerprint (`robert~ab12cd34`): eve calling herself "аlice" must not be listed as "аlice"
beside the real alice's conversation; so does one that is, or looks like, the name of
another of the user's groups (eve renamed "team" beside the user's group "team").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from peers_tui.core.errors import PeersError
from peers_tui.core.identity import fingerprint
from peers_tui.core.names import TILDE_LIKE, look_alikes, shown_handle
from peers_tui.core.dm_settled import genesis_pair, partner_of
from peers_tui.core.personal_store import GroupEntry
from peers_tui.core.records import SignedRecord

if TYPE_CHECKING:
    from peers_tui.core.account import Account
    from peers_tui.core.group_store import GroupStore

DM_SETTING = "dm:"  # + the other's user id: the group id of our conversation (a hint)
DM_NAME = "direct conversation"


def partner_in(user_id: str, store: GroupStore) -> str | None:
    """The other person of a direct conversation `user_id` is one of, else None."""
    return partner_of(user_id, store.genesis())


def list_conversation(account: Account, entry: GroupEntry, other: str) -> GroupEntry:
    """List a direct conversation under the other person's name, and remember it: the handle
    the conversation's roster gives them (what its log shows), else their profile's, else
    their fingerprint; with their fingerprint where another person known here looks alike."""
    from peers_tui.core.federation_people import find_known_to, known_to  # rare: a rename

    everyone = known_to(account)
    name = account.store(entry).current_roster().handle_of(other)
    if not name:
        try:
            name = find_known_to(account, other).profile.handle
        except PeersError:
            name = fingerprint(other)
    # The user's other groups too (archived ones included): a partner renamed "team" must
    # not be listed as a second "team" beside the user's group (twentieth attack pass).
    # (Not another conversation with the same person: both are theirs, h-voidorigin.)
    people = {(k.profile.user_id, k.profile.handle) for k in everyone} | {(other, name)}
    groups = {(e.id, e.name) for e in account.personal.groups(include_archived=True)
              if e.id != entry.id and isinstance(e.name, str)}
    alike = look_alikes(people | groups)
    if groups & alike:
        groups = {g for g in groups if g not in alike or not _with(account, g[0], other)}
        alike = look_alikes(people | groups)
    if (other, name) in alike:
        _name_apart_earlier(account, {(u, h) for u, h in alike if u != other
                                      and (u, h) not in groups})
        name = f"{_listed(name)}~{fingerprint(other)}"
    else:
        name = _listed(name)
    account.personal.set_setting(DM_SETTING + other, entry.id)
    return account.personal.add_group(entry.id, name, entry.db_path)


def _with(account: Account, group_id: str, other: str) -> bool:
    """Whether the listed group `group_id` is a direct conversation with `other`."""
    entry = account.personal.group(group_id)
    try:
        return entry is not None and partner_in(account.user_id, account.store(entry)) == other
    except PeersError:
        return False


def _listed(handle: str) -> str:
    """A partner's handle as their conversation is listed: as it is, but for a tilde (or
    one's look-alike) shown as a placeholder, so that no `~` of theirs reads as a
    fingerprint (seventeenth attack pass)."""
    return handle if TILDE_LIKE.isdisjoint(handle) else shown_handle(handle)


def _name_apart_earlier(account: Account, people: set[tuple[str, str]]) -> None:
    """Conversations listed under a bare handle before someone with a look-alike one was
    known here (eve as "аlice" before the real alice) get their partner's fingerprint too:
    otherwise the impostor's read as the genuine one beside "alice~fingerprint"."""
    for user_id, handle in people:
        group_id = account.personal.setting(DM_SETTING + user_id)
        entry = account.personal.group(group_id) if group_id else None
        if entry is not None and entry.name == handle:
            account.personal.rename_group(entry.id, f"{handle}~{fingerprint(user_id)}")


def follow_partners(account: Account, entries: Iterable[GroupEntry]) -> list[GroupEntry]:
    """`entries` with each direct conversation listed under the other's handle of now.

    Only the groups listed as conversations are looked at (the hints list_conversation
    leaves, or the founding name of one joined by its code): reading every group's genesis
    for this would cost a count of 200 groups a query each."""
    hinted = set(account.personal.settings_under(DM_SETTING).values())
    return [follow_partner(account, entry) if entry.id in hinted or entry.name == DM_NAME
            else entry for entry in entries]


def follow_partner(account: Account, entry: GroupEntry) -> GroupEntry:
    """`entry` listed again if the other person's handle in it changed; as it is otherwise
    (nothing written: a count must not write personal.db each time)."""
    if entry.personal:
        return entry
    try:
        store = account.store(entry)
        other = partner_in(account.user_id, store)
        handle = store.current_roster().handle_of(other) if other else None
        listed = _listed(handle) if handle else ""
        if other is None or not handle or entry.name in (listed, f"{listed}~{fingerprint(other)}"):
            return entry
        return list_conversation(account, entry, other)
    except PeersError:
        return entry  # a damaged or missing file: its summary says so

