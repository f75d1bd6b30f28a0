"""The kinds of things a group file holds, named once. Each is a `StrEnum`: its members are
the very strings stored and signed, so they compare equal to text read back from a file.
"""

from __future__ import annotations

from enum import StrEnum


class RecordKind(StrEnum):
    """The `k` of a signed record."""

    GENESIS = "genesis"   # founds a group; its hash is the group id
    MEMBER = "member"     # a change in the membership log
    INVITE = "invite"     # an invite's terms, carrying its key
    REVOKE = "revoke"     # a revocation (counted only as a membership change)
    MSG = "msg"           # a message or a change of one (see MessageKind)
    PROFILE = "profile"   # a user's handle and key, published to the hub (core.profiles)
    INVITATION = "invitation"  # an invite code sealed to one person (core.invitations)


class MessageKind(StrEnum):
    """The `type` of a message record (the `kind` column of the message table)."""

    TEXT = "text"
    ACTION = "action"     # "/me waves"
    EDIT = "edit"
    DELETE = "delete"
    TOPIC = "topic"
    IMPORTED = "imported"
    REACT = "react"       # an emoji put on a message, or taken back (core.reactions)
