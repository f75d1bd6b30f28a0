"""Messages that cross screens and widgets (widget-specific ones are nested on their widget)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from peers_tui.core.views import GroupSummary, MessageView


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
