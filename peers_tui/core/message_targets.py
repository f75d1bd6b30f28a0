"""Acting on one message of a group through an Account: find it (by id prefix or -N), react to
it, see who reacted; and the log with membership events interleaved.

The CLI (`peers react`) and the TUI (a selection in the log) share these. A message is named
by its id or a unique prefix of it, or by `-N`: the Nth newest message of the group (text,
action or imported, not deleted; `-1` the newest), as `/reply -N` counts back.
"""

from __future__ import annotations

import re

from peers_tui.core.account import Account
from peers_tui.core.errors import NotFound, PeersError
from peers_tui.core.events import EventView, interleave
from peers_tui.core.group_store import GroupStore
from peers_tui.core.identity import fingerprint
from peers_tui.core.views import MessageView
from peers_tui.core.value import Value

OFFSET = re.compile(r"-([1-9][0-9]*)")
MAX_OFFSET = 10_000  # counting back further reads (and verifies) too much of a history
ACTIONABLE_KINDS = ("text", "action", "imported")
PAGE = 200


def nth_newest(store: GroupStore, offset: int, author: str | None = None) -> MessageView:
    """The `offset`th newest message that can be acted on (1 = the newest); `author`: the
    `offset`th newest of theirs."""
    seen = 0
    views = store.recent(PAGE)
    while views:
        for view in reversed(views):
            if (not view.deleted and view.kind in ACTIONABLE_KINDS
                    and author in (None, view.author_id)):
                seen += 1
                if seen == offset:
                    return view
        views = store.before(views[0].id, PAGE)
    raise NotFound(f"no message {offset} back: this group has "
                   f"{'only ' + str(seen) if seen else 'no'} message{'' if seen == 1 else 's'} "
                   f"{'of yours ' if author else ''}to act on")


def find_target(store: GroupStore, target: str, author: str | None = None) -> str:
    """The full id of the message `target` names (an id prefix, or -N; `author`: -N counts
    their messages only, as `peers edit` and `peers delete` do the user's own)."""
    match = OFFSET.fullmatch(target.strip())
    if match:
        if len(match.group(1)) > 5 or int(match.group(1)) > MAX_OFFSET:
            raise PeersError(f"-N counts back at most {MAX_OFFSET} messages: use the "
                             "message's id (peers log --ids)")
        return nth_newest(store, int(match.group(1)), author).id
    if target.strip().startswith("-"):
        raise PeersError(f"{target!r} is neither a message id nor -N (the Nth newest message)")
    return store.find_message(target)


def react(account: Account, group: str, target: str, emoji: str) -> MessageView:
    """Toggle our reaction `emoji` on a message; returns the message as it now stands."""
    entry = account.resolve(group)
    store = account.store(entry)
    view = store.react(account.keypair, find_target(store, target), emoji)
    account.pin_after_write(entry, store)
    return view


class Reactor(Value):  # not a dataclass: compiled at import (core.value)
    """Someone who reacted, named as the group's roster names them."""

    __slots__ = ("user_id", "handle", "fingerprint", "label")
    user_id: str
    handle: str
    fingerprint: str
    label: str  # as the log names them: `handle~fingerprint` beside a look-alike

    def __init__(self, user_id: str, handle: str, fingerprint: str, label: str = "") -> None:
        self.user_id = user_id
        self.handle = handle
        self.fingerprint = fingerprint
        self.label = label or handle


def reactors(account: Account, group: str, target: str) -> tuple[MessageView,
                                                                   list[tuple[str, list[Reactor]]]]:
    """Who reacted to a message with what: [(emoji, [Reactor, ...]), ...], in the order the
    message shows them (what the TUI shows on request)."""
    entry = account.resolve(group)
    store = account.store(entry)
    message_id = find_target(store, target)
    views = [v for v in store.around(message_id, 2) if v.id == message_id]
    if not views:
        raise NotFound(f"no message {target!r} in this group")
    view = views[0]
    roster = store.current_roster()
    labels = roster.labels({u for reaction in view.reactions for u in reaction.user_ids})
    return view, [(reaction.emoji, [Reactor(user_id, roster.handle_of(user_id) or fingerprint(user_id),
                                            fingerprint(user_id), labels[user_id])
                                    for user_id in reaction.user_ids])
                  for reaction in view.reactions]


def log_with_events(account: Account, group: str, messages: list[MessageView],
                    limit: int) -> list[MessageView | EventView]:
    """A window of `peers log` (the last `limit` messages, as Account.log read them) with
    the membership events that fall inside it; all earlier ones when it reaches back to
    the start of the history."""
    store = account.store(account.resolve(group))
    return interleave(messages, store.events(), from_start=len(messages) < limit)
