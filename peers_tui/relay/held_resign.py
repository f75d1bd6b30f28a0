"""A handle change kept for the hub (held.py) that the hub refused as stale, signed again by
its author's own process: the relay holds no user's key.

Two users of one leaf who both change their handle in a group while the link is down sign
their changes against the same head; the hub takes the first and refuses the second as
stale (so too when the hub's log moved on meanwhile: a join there). The relay keeps that
file marked. The author's processes call `sign_again` (the app when the held directory
changes and at its start, every `peers` command after it ran: cli.relay.resign_kept; a send
to the group signs it anyway): the handle is signed against this host's head now and
ordered by the hub as any membership change (relay.ordering); a change that comes late
again takes the hub's changes first and is signed once more (as
relay.membership_commands.run_ordered). Accepted, it is written here and the kept file goes (ordering.order_on_leaf); with the link
down again it is kept anew, unmarked, for the relay to propose.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peers_tui.core.errors import PeersError
from peers_tui.core import membership_order
from peers_tui.core.membership_order import HeldForHub
from peers_tui.core.names import shown_name
from peers_tui.relay import held

if TYPE_CHECKING:
    from peers_tui.core.account import Account


def waiting(account: Account) -> list[str]:
    """The groups (ids) where a handle change of `account`'s user waits to be signed again."""
    from peers_tui.relay.held_peek import kept_for  # (another Unix user's: from its copy)

    return sorted(group_id for group_id, marked
                  in kept_for(str(account.paths.hub), account.user_id).items() if marked)


def sign_again(account: Account) -> tuple[list[str], list[str]]:
    """Sign again each of our kept handle changes the hub refused as stale: the names of the
    groups done (or kept again for the relay), and one line for each that still waits."""
    from peers_tui.relay.hub_head import catch_up_stale
    from peers_tui.relay.ordering import StaleAtHub

    hub, me = account.paths.hub, account.user_id
    done: list[str] = []
    failed: list[str] = []
    if not membership_order.installed():
        return done, failed  # not signed where the hub would not be asked first (a fork)
    for group_id in waiting(account):
        name = group_id
        try:
            entry = account.personal.group(group_id)
            if entry is None:  # no longer in our list: nothing of ours to sign there
                held.forget(hub, group_id, me)
                continue
            name = shown_name(entry.name)
            store = account.store(entry)
            for attempt in (1, 2):
                member = store.current_roster().active(me)
                if member is None or member.handle == account.handle:
                    held.forget(hub, group_id, me)  # nothing to sign (any more)
                    break
                try:
                    store.set_handle(account.keypair, account.handle)
                except StaleAtHub as lost:  # the hub moved on again: its changes first
                    if attempt == 2:
                        raise
                    catch_up_stale(hub, lost)
                    continue
                account.pins.after_write(entry, store)
                done.append(name)
                break
        except HeldForHub:
            done.append(name)  # kept again, unmarked: the relay proposes it
        except PeersError as exc:
            failed.append(f"{name}: {exc}")
    return done, failed


__all__ = ["sign_again", "waiting"]
