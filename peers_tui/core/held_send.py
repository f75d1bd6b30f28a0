"""A send in a process that keeps its connection to the group's file (the TUI's outbox thread):
the message checked and written in one IMMEDIATE transaction on that connection as plain
sqlite3 (core.lean_post's write: the checks and the record of `peers send`), then read back
through the store.

Why: the full path (MessageActions.send_first) spent ~4.5 ms of CPU before its COMMIT, most of
it Peewee writing the SQL of its dozen queries; the plain write takes ~1.2 ms for the same
checks (the genesis, the membership log and the invites replayed inside the transaction, the
sender's role, their own chain, the search index). Every other user's screen waits for that
COMMIT (issue 16, figure 13).

Only the plain case, as `peers send`: whenever anything is not plain (a reply, a file this
process may not write, a damaged row, a handle to sign first, a file being backfilled, any
refusal), nothing is written and None is returned; the caller then runs the full send, which
does the same checks and says what is wrong.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peers_tui.core.database.files import unwritable_reason
from peers_tui.core.errors import ClockAhead, PeersError
from peers_tui.core.kinds import MessageKind
from peers_tui.core.group_entry import GROUP_COLUMNS, GroupEntry, entry_of
from peers_tui.core.lean_post import HAND_OVER, busy_error, stored_handle, write_plain
from peers_tui.core.membership_order import kept_change
from peers_tui.core.message_rules import check_post
from peers_tui.core.text import without_blank_edges

if TYPE_CHECKING:
    from peewee import ConnectionContext

    from peers_tui.core.message_actions import AfterSend, MessageActions
    from peers_tui.core.views import MessageView


def send_held(actions: MessageActions, group_id: str, text: str, kind: str = "text",
              reply_to: str | None = None) -> tuple[MessageView, AfterSend] | None:
    """`actions.send_first(group_id, ...)` on the plain path, or None (nothing written) when
    the full path must do it. The caller holds the group's connection on this thread (a
    session per send would open one, ~1.8 ms: as much as the write)."""
    from peers_tui.core.message_actions import AfterSend  # it imports this module's caller

    if reply_to is not None:
        return None  # the reply's target is looked up by the full path
    me = actions.me
    entry: GroupEntry | None = None
    try:
        body = without_blank_edges(text)
        check_post(body, kind)
        # The group's row and our handle on the connection to personal.db the caller holds,
        # as `peers send` reads them (Account.resolve and .handle through the models: ~1.3 ms).
        with me.personal.session():
            personal = me.personal.db.connection()
            row = personal.execute(f"SELECT {', '.join(GROUP_COLUMNS)} FROM groups WHERE id = ?",
                                   (group_id,)).fetchone()
            handle = stored_handle(personal)
        if row is None or handle is None:
            return None  # not listed (the full path says so), or a handle it judges
        entry = entry_of(row)
        if entry.personal:
            return None  # the personal group shares personal.db: the full path posts there
        store = me.stores.store(entry)
        # As GroupFile.require_writable before every write: a connection kept open would
        # still write the WAL of a file made read-only since.
        if store.db.read_only is not None or unwritable_reason(store.path) is not None:
            return None
        with store.session():  # nests in the caller's; checks the file is still there
            written = write_plain(store.db.connection(), entry, me.keypair, handle, body,
                                  MessageKind(kind),
                                  lambda group, author: kept_change(store.path, group, author))
            if written is None:
                return None
            view = store.timeline.views_of([written[0]])[0]
    except ClockAhead:
        raise  # told as the full path would tell it (core.hub_refused.check_clock)
    except HAND_OVER as exc:
        busy = busy_error(exc, entry) if entry is not None else None
        if busy is not None:
            raise busy from exc  # the full path would wait as long again
        return None  # rolled back by the write: the full path says what is wrong
    return view, AfterSend(actions, entry, store, view.id)


def held_group(actions: MessageActions, group_id: str) -> ConnectionContext | None:
    """A context that holds this thread's connection to the group's file (entered by the
    caller), or None where there is nothing to hold (the personal group, an unlisted one)."""
    try:
        entry = actions.me.resolve(group_id)
        if entry.personal:
            return None
        return actions.me.stores.store(entry).db.connection_context()
    except PeersError:
        return None


__all__ = ["held_group", "send_held"]
