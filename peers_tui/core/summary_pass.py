"""One pass of unread counts over many groups, on one connection per file.

A group's summary (Account.summary) reads its file four to six times (the membership mark, the
roster, the unread rows, the pins) and personal.db twice (the handle, the pins); each read in a
session of its own opened and closed a connection, with its six PRAGMAs: of the ~5 ms a group
cost at start-up with 200 groups, more than half. Here personal.db stays open for the whole
pass and each group file for its own summary; the sessions inside nest in those connections.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from contextlib import ExitStack

import peewee

from peers_tui.core import frontier
from peers_tui.core.account import Account
from peers_tui.core.conversation_names import follow_partners
from peers_tui.core.errors import PeersError
from peers_tui.core.personal_store import GroupEntry
from peers_tui.core.views import GroupSummary


def hold(held: ExitStack, db: peewee.Database) -> None:
    """Keep one connection to `db` open on this thread until `held` closes; the sessions in
    between nest in it. A file that cannot be opened is left to them: each says why."""
    try:
        held.enter_context(db.connection_context())
    except (sqlite3.Error, peewee.PeeweeException, OSError):
        pass


def count_groups(account: Account, entries: list[GroupEntry], cancelled: Callable[[], bool],
                 backfilling: set[str] | None = None,
                 between: Callable[[], object] = lambda: time.sleep(0),
                 ) -> dict[str, GroupSummary] | None:
    """The summary of each of `entries`, in order; None if `cancelled()` turned true between
    two groups (the app is closing: 200 groups must not hold it open). The ids of those whose
    history is still arriving (a backfill, core.frontier) are added to `backfilling`.
    `between()` runs between two groups: by default it lets the event loop take the
    interpreter; the app's also waits for a switch's frame (services.unread_counts)."""
    summaries: dict[str, GroupSummary] = {}
    with ExitStack() as held:
        hold(held, account.personal.db)
        handle = account.read_handle
        for entry in follow_partners(account, entries):
            if cancelled():
                return None
            with ExitStack() as one:
                try:
                    hold(one, account.store(entry).db)
                except PeersError:
                    pass  # a damaged file: the summary says so
                summaries[entry.id] = account.summary(entry, handle)
                if backfilling is not None and backfill_under_way(account, entry):
                    backfilling.add(entry.id)
            between()
    return summaries


def backfill_under_way(account: Account, entry: GroupEntry) -> bool:
    """Whether the group's history is still arriving (one look at the file's schema)."""
    try:
        store = account.store(entry)
        with store.session():
            return frontier.active()
    except PeersError:
        return False
