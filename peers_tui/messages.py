"""Messages that cross screens and widgets (widget-specific ones are nested on their widget).

Two kinds. *Requests* are posted by screens, the command palette and slash commands and say what
the user asked for; they bubble up the DOM to the object that owns the answer (the app hands them
to the service that does the work). No screen calls a method of the app. *Notices* report what
happened (a commit in another process, a message stored, fresh unread counts).

Plain classes, not dataclasses: a dataclass generates and compiles its methods when it is
defined, which every start of the app paid for each of these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from peers_tui.core.group_entry import GroupEntry
from peers_tui.core.views import GroupSummary, MessageView

if TYPE_CHECKING:
    from peers_tui.core.invitations import Invitation


# ------------------------------------------------------------------ requests
class OpenGroup(Message):
    """Show this group in the chat screen (and make it the last one opened)."""

    def __init__(self, group_id: str) -> None:
        super().__init__()
        self.group_id = group_id


class GroupListRequest(Message):
    """A change to the user's own list of groups (create, join, leave, archive, notify level,
    order): the app hands each one to its group list service, which stores it."""


class CreateGroup(GroupListRequest):
    """Create a group named `name`; with no name, ask the user for one first."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__()
        self.name = name


class JoinGroup(GroupListRequest):
    """Join with this invite code; with no code, ask the user for one first."""

    def __init__(self, code: str | None = None) -> None:
        super().__init__()
        self.code = code


class LeaveGroup(GroupListRequest):
    """Leave the group (the user has already confirmed)."""

    def __init__(self, group_id: str) -> None:
        super().__init__()
        self.group_id = group_id


class ArchiveGroup(GroupListRequest):
    """Hide the group from the list and Alt+N (nothing in it changes; `peers archive --undo`)."""

    def __init__(self, group_id: str) -> None:
        super().__init__()
        self.group_id = group_id


class SetNotify(GroupListRequest):
    """Set how the group notifies (all, mentions, mute); `level=None` steps to the next one."""

    def __init__(self, group_id: str, level: str | None = None) -> None:
        super().__init__()
        self.group_id = group_id
        self.level = level


class MoveGroup(GroupListRequest):
    """Move the group up (`offset` < 0) or down in the user's list."""

    def __init__(self, group_id: str, offset: int) -> None:
        super().__init__()
        self.group_id = group_id
        self.offset = offset


class MarkRead(Message):
    """The user has seen the group's messages up to `message_id`."""

    def __init__(self, group_id: str, message_id: str) -> None:
        super().__init__()
        self.group_id = group_id
        self.message_id = message_id


class SendMessage(Message):
    """Store a message of ours (in submission order); answered by MessageSent or SendFailed."""

    def __init__(self, group_id: str, text: str, kind: str = "text",
                 reply_to: str | None = None) -> None:
        super().__init__()
        self.group_id = group_id
        self.text = text
        self.kind = kind
        self.reply_to = reply_to


class ShowInvitations(Message):
    """Show the invitations sent to the user by name, to accept or decline."""


class RecountGroups(Message):
    """Count unread messages again (of these groups, or of all with None)."""

    def __init__(self, group_ids: frozenset[str] | None = None) -> None:
        super().__init__()
        self.group_ids = group_ids


# ------------------------------------------------------------------ notices
class GroupAdded(Message):
    """The user created or joined a group (it is in personal.db now)."""

    def __init__(self, entry: GroupEntry) -> None:
        super().__init__()
        self.entry = entry


class GroupUpdated(Message):
    """The user's own change to their list was stored (left, archived, notify level, order);
    `entry` is the group's entry as stored now, or None when only the order changed."""

    def __init__(self, entry: GroupEntry | None) -> None:
        super().__init__()
        self.entry = entry


class GroupListChanged(Message):
    """personal.db's list of groups changed (the CLI or another TUI created, joined, ...)."""


class InvitationsChanged(Message):
    """Something was delivered to (or taken from) the user's inbox of invitations."""


class InvitationsRead(Message):
    """The invitations offered to the user now (read on a worker thread: the app's
    services.invitation_watch, made after the first frame, reads and tells them)."""

    def __init__(self, offered: list[Invitation]) -> None:
        super().__init__()
        self.offered = offered


class HeldChanged(Message):
    """The handle changes kept for the hub on this leaf host changed (relay.held): one of
    ours the hub refused as stale is ours to sign again (services.held_handles)."""


class GroupsChanged(Message):
    """Other processes committed to these groups' databases."""

    def __init__(self, group_ids: frozenset[str]) -> None:
        super().__init__()
        self.group_ids = group_ids


class MessageSent(Message):
    """A message of ours was stored."""

    def __init__(self, group_id: str, view: MessageView) -> None:
        super().__init__()
        self.group_id = group_id
        self.view = view


class SendFailed(Message):
    """A message of ours could not be stored; `reason` is one line for the user."""

    def __init__(self, group_id: str, text: str, reason: str) -> None:
        super().__init__()
        self.group_id = group_id
        self.text = text
        self.reason = reason


class SummariesUpdated(Message):
    """Fresh unread counts and standings of the user's groups (in their order)."""

    def __init__(self, summaries: tuple[GroupSummary, ...]) -> None:
        super().__init__()
        self.summaries = summaries
