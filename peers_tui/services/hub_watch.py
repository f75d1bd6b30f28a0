"""HubWatcher: one thread that waits for commits by any process to the user's groups.

It reports them as messages to the app (GroupsChanged, GroupListChanged); commits to the open
group are read right on that thread, so new rows reach the log without a hop through the
event loop first.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App
from textual.worker import get_current_worker

from peers_tui.core.errors import PeersError
from peers_tui.messages import GroupListChanged, GroupsChanged, HeldChanged, InvitationsChanged
from peers_tui.screens import ChatScreen

if TYPE_CHECKING:
    from peers_tui.core.account import Account
    from peers_tui.core.notifier import ChangeNotifier
    from peers_tui.core.live_feed import LiveFeed

# A backfill's page of history the open group's log does not show (core.live_feed skips
# it) is told to the UI thread (the unread counts) at most this often, not at each page:
# each page woke the event loop for nothing it shows while the user typed (R6a). A page is
# history, no unread (core.joined_history), and a backfilling group is recounted this
# often anyway (services.unread_counts).
HISTORY_TOLD_EVERY = 2.0
GROUP_LIST = "personal.db"  # the notifier's name for personal.db (group ids are 26 letters)
INVITATIONS = "invitations"  # the notifier's name for the user's inbox of invitations
HELD = "held"  # its name for the handle changes kept for the hub on a leaf (relay.held)


class HubWatcher:
    """Watches personal.db and every group file of the user; one watcher thread at a time."""

    def __init__(self, app: App[None], account: Account, chat: ChatScreen) -> None:
        self.app = app
        self.account = account
        self.chat = chat
        self._notifier: ChangeNotifier | None = None
        self._watched_ids: frozenset[str] = frozenset()

    @property
    def watched(self) -> frozenset[str]:
        """The groups the running watcher has looked at (none before its first look)."""
        notifier = self._notifier
        return frozenset(notifier.watched) if notifier is not None else frozenset()

    @property
    def running(self) -> bool:
        return self._notifier is not None

    def watch_all(self) -> None:
        """Watch the user's groups as listed now (replacing the watcher that runs)."""
        self.app.run_worker(self._watch_listed, name="hub watcher", group="live",
                            thread=True, exclusive=True, exit_on_error=False)

    def _watch_listed(self) -> None:
        # The list is read here, not on the event loop: 200 rows, in the seconds after the
        # first frame when the user starts typing.
        self._watch([(e.id, str(e.db_path)) for e in self.account.entries()])

    def list_changed(self) -> None:
        """personal.db changed: watch again if its groups are not the ones watched."""
        try:
            entries = self.account.entries()
        except PeersError as exc:
            self.app.log.warning(f"group list not read: {exc}")
            return
        if frozenset(entry.id for entry in entries) != self._watched_ids:
            self.watch_all()

    def interrupt(self) -> None:
        """Wake the thread (it blocks until told, so nothing polls while idle) to end it."""
        if self._notifier is not None:
            self._notifier.interrupt()

    def _watch_inbox(self, notifier: ChangeNotifier) -> None:
        """Watch the user's inbox of invitations, made here first (as a sender would make it)
        so it can be watched before anything arrives; a hub we cannot write has no inbox."""
        # Loaded here, on the watcher's thread after the first paint, not at start-up.
        from peers_tui.core.invitations import INVITATIONS_DIR, inbox
        from peers_tui.core.profiles import ensure_dir

        hub = self.account.paths.hub
        try:
            ensure_dir(hub, hub / INVITATIONS_DIR, sticky=True)
            ensure_dir(hub, inbox(hub, self.account.user_id), sticky=False)
            notifier.watch_folder(INVITATIONS, inbox(hub, self.account.user_id))
        except OSError as exc:
            self.app.log.warning(f"invitations not watched: {exc}")

    def _watch_held(self, notifier: ChangeNotifier) -> bool:
        """On a leaf host, watch the handle changes kept for the hub (made here first, as
        relay.held keeps them): one the hub refused as stale waits for us to sign it again
        (services.held_handles). Whether it is watched."""
        from peers_tui.relay.held_peek import HELD_DIR, RELAY_DIR, view_dir  # plain os, json

        hub = self.account.paths.hub
        try:
            # (Path.exists of a file of `.relay/`, another Unix user's and 0700, raised
            # PermissionError here and ended this whole watcher: no live group for them.)
            os.stat(hub / RELAY_DIR / "config.json")
            (hub / RELAY_DIR / HELD_DIR).mkdir(mode=0o700, exist_ok=True)
        except FileNotFoundError:
            return False  # no relay here: nothing is ever kept
        except OSError:
            pass  # another user's relay: its view of what it keeps (.relay-held/), if any
        directory = view_dir(str(hub))
        if directory is None:
            return False
        try:
            notifier.watch_folder(HELD, Path(directory))
        except OSError as exc:
            self.app.log.warning(f"kept handle changes not watched: {exc}")
            return False
        return True

    def _watch(self, groups: list[tuple[str, str]]) -> None:
        """Report commits by any process to any listed group, until the app exits."""
        # After the first frame, on the watcher's thread: the notifier and its two helpers were
        # three modules imported before it (issue 16).
        from peers_tui.core.notifier import ChangeNotifier
        from peers_tui.core.personal_store import GROUP_LIST_MARK
        notifier = ChangeNotifier()
        worker = get_current_worker()
        self._watched_ids = frozenset(group_id for group_id, _ in groups)
        # personal.db too: a group created or joined elsewhere joins the list at once. Read
        # now: the app's own first write there (the read marker) must not look like a change
        # of the list, which recounts every group.
        notifier.watch(GROUP_LIST, self.account.personal.path, GROUP_LIST_MARK, read_now=True)
        self._watch_inbox(notifier)
        held = self._watch_held(notifier)
        for group_id, path in groups:
            if worker.is_cancelled:  # the app closed while hundreds of groups were looked at
                notifier.close()
                return
            notifier.watch(group_id, Path(path))
        if {entry.id for entry in self.account.entries()} != self._watched_ids:
            self.app.post_message(GroupListChanged())  # changed before the watcher looked
        previous, self._notifier = self._notifier, notifier
        if previous is not None:
            previous.interrupt()  # the watcher this one replaces (the list of groups changed)
        # Counts taken before the watcher looked could miss a commit made in between.
        self.app.post_message(GroupsChanged(frozenset(group_id for group_id, _ in groups)))
        self.app.post_message(InvitationsChanged())  # those delivered while we were away
        if held:
            self.app.post_message(HeldChanged())  # refused while we were away
        read: LiveFeed | None = None  # the feed this thread keeps a connection open for
        chat = self.chat
        later: set[str] = set()  # groups whose skipped history pages are told at `told_at`
        told_at = 0.0
        try:
            if chat.feed is not None:
                # The open group's feed starts where its first window was read, before this
                # watcher's first look (it starts after the first paint, or replaces one): a
                # commit in between changed no token this watcher will ever see move, and it
                # stayed off screen until the next message. Read it now, and let the file go
                # again: a connection kept open keeps its WAL in use, and a file that then
                # becomes read-only (chattr +i) would still take writes into that WAL.
                chat.read_feed(chat.feed)
                chat.feed.release()
            while not worker.is_cancelled and not notifier.interrupted:
                changed = notifier.wait(max(0.0, told_at - time.monotonic()) if later else None)
                if INVITATIONS in changed:
                    changed.discard(INVITATIONS)
                    self.app.post_message(InvitationsChanged())
                if HELD in changed:
                    changed.discard(HELD)
                    self.app.post_message(HeldChanged())
                if GROUP_LIST in changed:
                    changed.discard(GROUP_LIST)
                    self.app.post_message(GroupListChanged())
                feed = chat.feed
                if feed is not read and read is not None:
                    read.release()  # the user switched groups: let the old file go
                    read = None
                if feed is not None and feed.group_id in changed:
                    chat.read_feed(feed)
                    read = feed
                    if feed.skipped_history:  # nothing the screen shows: told later
                        changed.discard(feed.group_id)
                        told_at = told_at if later else time.monotonic() + HISTORY_TOLD_EVERY
                        later.add(feed.group_id)
                if later and (changed or time.monotonic() >= told_at):
                    changed |= later  # with the next report, or when due
                    later = set()
                if changed:
                    self.app.post_message(GroupsChanged(frozenset(changed)))
        finally:
            if read is not None:
                read.release()
            notifier.close()
