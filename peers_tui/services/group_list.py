"""GroupListService: the user's own changes to their list of groups (create, join, leave,
archive, notify level, order), each stored in a worker thread and reported back as a message:
GroupAdded (open it) or GroupUpdated (show and count it again); errors as a notification.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import App
from textual.message import Message

from peers_tui.core.errors import AlreadyMember, BadInvite, PeersError
from peers_tui.core.names import shown_name
from peers_tui.core.group_entry import GroupEntry
from peers_tui.core.states import NOTIFY_LEVELS
from peers_tui.core.text import inert
from peers_tui.messages import (ArchiveGroup, CreateGroup, GroupAdded, GroupListRequest,
                                GroupUpdated, JoinGroup, LeaveGroup, MoveGroup, SetNotify)

if TYPE_CHECKING:
    from peers_tui.core.account import Account

# A job returns the line to show the user (or None) and the message that reports the change.
Job = Callable[[], tuple[str | None, Message]]


class GroupListService:
    """Stores the GroupListRequests the app hands it; never touches a screen from a thread."""

    def __init__(self, app: App[None], account: Account) -> None:
        self.app = app
        self.account = account

    def handle(self, request: GroupListRequest) -> None:
        match request:
            case CreateGroup(name=name):
                self.create(name)
            case JoinGroup(code=code):
                self.join(code)
            case LeaveGroup(group_id=group_id):
                self.leave(group_id)
            case ArchiveGroup(group_id=group_id):
                self.archive(group_id)
            case SetNotify(group_id=group_id, level=level):
                self.set_notify(group_id, level)
            case MoveGroup(group_id=group_id, offset=offset):
                self.move(group_id, offset)

    def create(self, name: str | None) -> None:
        if not name:
            self._ask("Name of the new group:", "", lambda text: CreateGroup(text))
            return
        self._add(lambda: self.account.create_group(name), "created")

    def join(self, code: str | None) -> None:
        if not code:
            self._ask("Invite code:", "peers1:…", lambda text: JoinGroup(text))
            return
        def join() -> GroupEntry:
            from peers_tui.relay.join_fetch import JoinFetch  # only when joining

            # A group on another host is fetched through this host's relay first, as
            # `peers join CODE` does (before, the app said "not in your hub"); a join that
            # fails leaves no fetched file behind.
            try:
                with JoinFetch(self.account.paths.hub) as fetched:
                    fetched.fetch(code)
                    return fetched.join(code, lambda: self.account.join(code))
            except BadInvite as exc:  # a genuine code may not have arrived from its host yet
                from peers_tui.relay.join_invites import not_here_yet

                raise not_here_yet(self.account.paths.hub, exc, code) from exc
        self._add(join, "joined")

    def leave(self, group_id: str) -> None:
        def job() -> tuple[str | None, Message]:
            left = self.account.resolve(self.account.leave(group_id).id)  # as stored now
            return f"you left {shown_name(left.name)}", GroupUpdated(left)
        self._run(job)

    def archive(self, group_id: str) -> None:
        def job() -> tuple[str | None, Message]:
            entry = self.account.archive(group_id)
            return (f"archived {inert(entry.name, allow_newlines=False)} "
                    "(peers archive --undo brings it back)", GroupUpdated(entry))
        self._run(job)

    def set_notify(self, group_id: str, level: str | None) -> None:
        """Set the level, or with None step to the next one (all → mentions → mute → all)."""
        def job() -> tuple[str | None, Message]:
            chosen = level
            if chosen is None:
                now = self.account.resolve(group_id).notify
                chosen = NOTIFY_LEVELS[(NOTIFY_LEVELS.index(now) + 1) % len(NOTIFY_LEVELS)]
            entry = self.account.set_notify(group_id, chosen)
            return f"{shown_name(entry.name)}: notify {chosen}", GroupUpdated(entry)
        self._run(job)

    def move(self, group_id: str, offset: int) -> None:
        def job() -> tuple[str | None, Message]:
            self.account.move(group_id, offset)
            return None, GroupUpdated(None)
        self._run(job)

    def _add(self, add: Callable[[], GroupEntry], done: str) -> None:
        """Create or join; then the app watches the new group and opens it."""
        def job() -> tuple[str | None, Message]:
            try:
                entry = add()
            except AlreadyMember as exc:  # nothing to join: open it all the same
                if not isinstance(exc.entry, GroupEntry):
                    raise
                return str(exc), GroupAdded(exc.entry)
            return f"{done} {shown_name(entry.name)}", GroupAdded(entry)
        self._run(job)

    def _ask(self, question: str, placeholder: str, request: Callable[[str], Message]) -> None:
        def answered(text: str | None) -> None:
            if text:
                self.app.post_message(request(text))
        from peers_tui.screens.prompt import PromptScreen  # a dialog: loaded when first asked

        self.app.push_screen(PromptScreen(question, placeholder), answered)

    def _run(self, job: Job) -> None:
        def run() -> None:
            from peers_tui.services.hub_order import AGAIN, after_the_hub

            try:  # a join or leave that lost the race at the federation's hub: once more
                (note, report), again = after_the_hub(self.account.paths.hub, job)
                note = f"{note} ({AGAIN})" if again and note else note
            except PeersError as exc:
                self.app.notify(inert(str(exc)), severity="error")
                return
            if note:
                self.app.notify(inert(note))
            self.app.post_message(report)
        self.app.run_worker(run, name="group list change", group="group-list", thread=True,
                            exit_on_error=False)
