"""The states a user's view of a group can be in. Each is a `StrEnum`: its members compare
equal to the strings stored in personal.db and printed in the CLI's JSON."""

from __future__ import annotations

from enum import StrEnum


class NotifyLevel(StrEnum):
    """How a group tells the user about new messages (the Groups table's `notify`)."""

    ALL = "all"
    MENTIONS = "mentions"   # only messages that @mention the user
    MUTE = "mute"

    @classmethod
    def read(cls, value: str) -> NotifyLevel:
        """A stored level; a value damaged in the file reads as the default, ALL."""
        try:
            return cls(value)
        except ValueError:
            return cls.ALL


NOTIFY_LEVELS = tuple(NotifyLevel)


class GroupState(StrEnum):
    """The user's standing in a group, as its list shows it (member states and two more)."""

    ACTIVE = "active"
    LEFT = "left"
    REMOVED = "removed"
    NOT_A_MEMBER = "not a member"  # the file does not list the user (yet)
    DAMAGED = "damaged"            # the file cannot be read: see the summary's `problem`
    MISSING = "missing"            # no file at all (deleted or moved away): `problem` says more
