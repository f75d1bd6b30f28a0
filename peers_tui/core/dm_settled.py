"""A name that lists several direct conversations with one person (h-voidorigin).

Two conversations with the same person are both listed under their name when both sides
started one before seeing the other's, or one was kept from before `peers dm` took up an
offer from another host (the fifteenth acceptance pass): `peers log bob` then said the name
was ambiguous while `peers dm bob` settled on one. Account.resolve asks here which.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from peers_tui.core.errors import PeersError
from peers_tui.core.personal_store import GroupEntry
from peers_tui.core.records import SignedRecord
from peers_tui.core.roster import dm_pair

if TYPE_CHECKING:
    from peers_tui.core.group_store import GroupStore


def settled_conversation(user_id: str, named: Iterable[GroupEntry],
                         store_of: Callable[[GroupEntry], GroupStore]) -> GroupEntry | None:
    """Of several listed groups with one name, the one `peers dm` settles on (core.direct.dm:
    the smallest group id among the conversations we are an active member of) when every one
    of them is a direct conversation with the same person: two left by both sides starting one
    (the fifteenth acceptance pass: one from before `peers dm` took up another host's offer).
    None when any is another group, or they are with different people: the name stays
    ambiguous. A conversation we left or were removed from is not chosen."""
    from peers_tui.core.membership import ACTIVE  # (only when a name is ambiguous)

    chosen: list[GroupEntry] = []
    partners = set()
    for entry in named:
        try:
            store = store_of(entry)  # (Account.store)
            partners.add(partner_of(user_id, store.genesis()))
            member = store.current_roster().active(user_id)
        except PeersError:
            return None
        if member is not None and member.state == ACTIVE:
            chosen.append(entry)
    if len(partners) != 1 or None in partners or not chosen:
        return None
    return min(chosen, key=lambda entry: entry.id)


def partner_of(user_id: str, genesis: SignedRecord) -> str | None:
    """The other person of the direct conversation `genesis` founds, if `user_id` is one of
    its pair (conversation_names.partner_in reads it from a store)."""
    pair = genesis_pair(genesis)
    if pair is None or user_id not in pair:
        return None
    return pair[1] if pair[0] == user_id else pair[0]


def genesis_pair(genesis: SignedRecord) -> tuple[str, str] | None:
    """The pair a genesis names, if its founder is one of them (else no direct conversation)."""
    return dm_pair(genesis.data, genesis.author)
