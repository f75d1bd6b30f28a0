"""Messages that cross screens and widgets (widget-specific ones are nested on their widget).

Two kinds. *Requests* are posted by screens, the command palette and slash commands and say what
the user asked for; they bubble up the DOM to the object that owns the answer (the app hands them
to the service that does the work). No screen calls a method of the app. *Notices* report what
happened (a commit in another process, a message stored, fresh unread counts).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from peers_tui.core.personal_store import GroupEntry
from peers_tui.core.views import GroupSummary, MessageView


# ------------------------------------------------------------------ requests
@dataclass
class OpenGroup(Message):
    """Show this group in the chat screen (and make it the last one opened)."""

    group_id: str


class GroupListRequest(Message):
    """A change to the user's own list of groups (create, join, leave, archive, notify level,
    order): the app hands each one to its group list service, which stores it."""


@dataclass
class CreateGroup(GroupListRequest):
    """Create a group named `name`; with no name, ask the user for one first."""

    name: str | None = None


@dataclass
class JoinGroup(GroupListRequest):
    """Join with this invite code; with no code, ask the user for one first."""

    code: str | None = None


@dataclass
class LeaveGroup(GroupListRequest):
    """Leave the group (the user has already confirmed)."""

    group_id: str


@dataclass
class ArchiveGroup(GroupListRequest):
    """Hide the group from the list and Alt+N (nothing in it changes; `peers archive --undo`)."""

    group_id: str


@dataclass
class SetNotify(GroupListRequest):
    """Set how the group notifies (all, mentions, mute); `level=None` steps to the next one."""

    group_id: str
    level: str | None = None


@dataclass
class MoveGroup(GroupListRequest):
    """Move the group up (`offset` < 0) or down in the user's list."""

    group_id: str
    offset: int


@dataclass
class MarkRead(Message):
    """The user has seen the group's messages up to `message_id`."""

    group_id: str
    message_id: str


@dataclass
class SendMessage(Message):
    """Store a message of ours (in submission order); answered by MessageSent or SendFailed."""

    group_id: str
    text: str
    kind: str = "text"
    reply_to: str | None = None


@dataclass
class RecountGroups(Message):
    """Count unread messages again (of these groups, or of all with None)."""

    group_ids: frozenset[str] | None = None


# ------------------------------------------------------------------ notices
@dataclass
class GroupAdded(Message):
    """The user created or joined a group (it is in personal.db now)."""

    entry: GroupEntry


@dataclass
class GroupUpdated(Message):
    """The user's own change to their list was stored (left, archived, notify level, order);
    `entry` is the group's entry as stored now, or None when only the order changed."""

    entry: GroupEntry | None


@dataclass
class GroupListChanged(Message):
    """personal.db's list of groups changed (the CLI or another TUI created, joined, ...)."""


@dataclass
class GroupsChanged(Message):
    """Other processes committed to these groups' databases."""

    group_ids: frozenset[str]


@dataclass
class MessageSent(Message):
    """A message of ours was stored."""

    group_id: str
    view: MessageView


@dataclass
class SendFailed(Message):
    """A message of ours could not be stored; `reason` is one line for the user."""

    group_id: str
    text: str
    reason: str


@dataclass
class SummariesUpdated(Message):
    """Fresh unread counts and standings of the user's groups (in their order)."""

    summaries: tuple[GroupSummary, ...]
