"""Frozen dataclasses the CLI and the screens receive from the core: never Peewee rows."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from peers_tui.core.names import look_alike_key, shown_name
from peers_tui.core.states import GroupState, NotifyLevel
from peers_tui.core.reactions import Reaction, counts
from peers_tui.core.times import iso_utc_or_none


@dataclass(frozen=True)
class ForgedChange:
    """An edit or deletion aimed at a message that does not verify: shown as a record of its
    own, beside the message it failed to change (which keeps its genuine state)."""

    id: str
    kind: str
    author_id: str
    author: str
    fingerprint: str
    reason: str
    body: str = ""
    created_at: int = 0

    def to_json(self, target: str) -> dict[str, Any]:
        """Every key a message row has, plus the message it aimed at."""
        return {"id": self.id, "author_id": self.author_id, "author": self.author,
                "fingerprint": self.fingerprint, "body": self.body,
                "created_at": iso_utc_or_none(self.created_at), "kind": self.kind, "verified": False,
                "reply_to": None, "edited": False, "deleted": False, "imported": False,
                "problem": self.reason, "target": target, "reactions": {}}

    def describe(self) -> str:
        return f"a forged {self.kind} by {self.author} ({self.fingerprint}): {self.reason}"


@dataclass(frozen=True)
class MessageView:
    """One message as presented, with its edits, deletion and reply applied.

    `verified` is False (with `problem` saying why) when the record, or a record that edits or
    deletes it, fails its signature, chain or role checks.
    """

    id: str
    author_id: str
    author: str
    fingerprint: str
    body: str
    created_at: int
    kind: str
    verified: bool
    problem: str | None = None
    reply_to: str | None = None
    reply_author: str | None = None
    reply_body: str | None = None
    edited: bool = False
    deleted: bool = False
    imported: bool = False
    rowid: int = 0
    forged_changes: tuple[ForgedChange, ...] = ()
    reactions: tuple[Reaction, ...] = ()  # core.reactions: what holds, deletions applied
    reply_author_id: str | None = None  # who wrote the message replied to, when genuine

    @property
    def display_author(self) -> str:
        return f"{self.author} (imported)" if self.imported else self.author

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "author_id": self.author_id,
            "author": self.author,
            "fingerprint": self.fingerprint,
            "body": self.body,
            "created_at": iso_utc_or_none(self.created_at),
            "kind": self.kind,
            "verified": self.verified,
            "reply_to": self.reply_to,
            "edited": self.edited,
            "deleted": self.deleted,
            "imported": self.imported,
            "reactions": counts(self.reactions),
        }
        if not self.verified:
            data["problem"] = self.problem
        return data


@dataclass(frozen=True)
class MemberView:
    """A member of a group as the verified roster shows them."""

    user_id: str
    handle: str
    fingerprint: str
    role: str
    state: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.user_id, "handle": self.handle, "fingerprint": self.fingerprint,
                "role": self.role, "state": self.state}


def group_label(name: str, group_id: str, twin: bool) -> str:
    """A group's name as one inert line (core.names), with the id's start for a twin."""
    return f"{shown_name(name)} · {group_id[:6]}" if twin else shown_name(name)


@dataclass(frozen=True)
class GroupSummary:
    """A row of the user's Groups table joined with what the group's own DB says about them.

    `state` is the user's standing ("active", "left", ...) or "damaged" (with `problem`); a
    group that can be read but not written keeps its state and says why in `read_only`.
    """

    id: str
    name: str
    personal: bool
    role: str | None
    state: GroupState
    unread: int
    mentions: int
    notify: NotifyLevel
    problem: str | None = None
    read_only: str | None = None  # why nothing can be posted here (the file cannot be written)
    warning: str | None = None  # history deleted, the file rolled back, a forged change
    archived: bool = False
    path: str = ""  # the group's file: a group remembers the hub it was created or joined in
    twin: bool = False  # another of the user's groups has the same name

    @property
    def label(self) -> str:
        """The name as lists show it: with the id's start when another group shares it."""
        return group_label(self.name, self.id, self.twin)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id, "name": self.name, "personal": self.personal, "role": self.role,
            "path": self.path,
            "state": self.state, "unread": self.unread, "mentions": self.mentions,
            "notify": self.notify,
        }
        if self.problem:
            data["problem"] = self.problem
        if self.read_only:
            data["read_only"] = self.read_only
        if self.warning:
            data["warning"] = self.warning
        if self.archived:
            data["archived"] = True
        return data


@dataclass(frozen=True)
class Problem:
    """Something `peers verify` found: where it is and what is wrong."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


def mark_twins(summaries: tuple[GroupSummary, ...]) -> tuple[GroupSummary, ...]:
    """Mark the groups whose name another one shares or looks like (core.names), so every
    list can tell them apart."""
    keys = {s.id: look_alike_key(s.name) for s in summaries}
    counts: dict[str, int] = {}
    for key in keys.values():
        counts[key] = counts.get(key, 0) + 1
    return tuple(replace(s, twin=counts[keys[s.id]] > 1) if s.twin != (counts[keys[s.id]] > 1)
                 else s for s in summaries)
