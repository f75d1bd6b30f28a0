"""The records the CLI and the screens receive from the core: never Peewee rows.

Plain `Value` classes with slots, not frozen dataclasses: this module is imported before the
first frame, and a dataclass is compiled at import (core.value)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from peers_tui.core.identity import fingerprint
from peers_tui.core.names import look_alike_key, shown_name
from peers_tui.core.states import GroupState, NotifyLevel
from peers_tui.core.reactions import Reaction, counts
from peers_tui.core.times import iso_utc_or_none
from peers_tui.core.value import Value

if TYPE_CHECKING:
    from collections.abc import Iterable

    from peers_tui.core.roster import Member


class ForgedChange(Value):
    """An edit or deletion aimed at a message that does not verify: shown as a record of its
    own, beside the message it failed to change (which keeps its genuine state)."""

    __slots__ = ("id", "kind", "author_id", "author", "fingerprint", "reason", "body",
                 "created_at")
    id: str
    kind: str
    author_id: str
    author: str
    fingerprint: str
    reason: str
    body: str
    created_at: int

    def __init__(self, id: str, kind: str, author_id: str, author: str, fingerprint: str,
                 reason: str, body: str = "", created_at: int = 0) -> None:
        self.id = id
        self.kind = kind
        self.author_id = author_id
        self.author = author
        self.fingerprint = fingerprint
        self.reason = reason
        self.body = body
        self.created_at = created_at

    def to_json(self, target: str) -> dict[str, Any]:
        """Every key a message row has, plus the message it aimed at."""
        return {"id": self.id, "author_id": self.author_id, "author": self.author,
                "fingerprint": self.fingerprint, "body": self.body,
                "created_at": iso_utc_or_none(self.created_at), "kind": self.kind, "verified": False,
                "reply_to": None, "edited": False, "deleted": False, "imported": False,
                "problem": self.reason, "target": target, "reactions": {}}

    def describe(self) -> str:
        return f"a forged {self.kind} by {self.author} ({self.fingerprint}): {self.reason}"


FORGED_LINES = 3  # kinds of forged change shown under a message before "… N more"


def folded_changes(changes: tuple[ForgedChange, ...],
                   expanded: bool = False) -> tuple[list[tuple[ForgedChange, int]], int]:
    """The forged changes under a message as its lines show them: those of one kind, author
    and reason as one (the first of them, and how many), at most FORGED_LINES of them unless
    `expanded`; and how many changes the lines left out. 5,000 junk edits written into the
    file are one line, not 5,000 (issue 15), as a long text folds (message_render.folded)."""
    alike: dict[tuple[str, str, str], list[ForgedChange]] = {}
    for change in changes:
        alike.setdefault((change.kind, change.author_id, change.reason), []).append(change)
    lines = [(found[0], len(found)) for found in alike.values()]
    if expanded or len(lines) <= FORGED_LINES:
        return lines, 0
    shown = lines[:FORGED_LINES - 1]
    return shown, len(changes) - sum(count for _, count in shown)


def forged_kind(change: ForgedChange, count: int) -> str:
    """"forged edit", or "3 forged edits" for a folded line."""
    return f"forged {change.kind}" if count == 1 else f"{count:,} forged {change.kind}s"


class MessageView(Value):
    """One message as presented, with its edits, deletion and reply applied.

    `verified` is False (with `problem` saying why) when the record, or a record that edits or
    deletes it, fails its signature, chain or role checks.
    """

    __slots__ = ("id", "author_id", "author", "fingerprint", "body", "created_at", "kind",
                 "verified", "problem", "reply_to", "reply_author", "reply_body", "edited",
                 "deleted", "imported", "rowid", "forged_changes", "reactions", "reply_author_id",
                 "changes")
    id: str
    author_id: str
    author: str
    fingerprint: str
    body: str
    created_at: int
    kind: str
    verified: bool
    problem: str | None
    reply_to: str | None
    reply_author: str | None
    reply_body: str | None
    edited: bool
    deleted: bool
    imported: bool
    rowid: int
    forged_changes: tuple[ForgedChange, ...]
    reactions: tuple[Reaction, ...]  # core.reactions: what holds, deletions applied
    reply_author_id: str | None  # who wrote the message replied to, when genuine
    # Ids of the changes of it found genuine (core.pins pins their authors' chain heads);
    # those below one that holds are not judged (core.effect_plan) and are not among them.
    changes: tuple[str, ...]

    def __init__(self, id: str, author_id: str, author: str, fingerprint: str, body: str,
                 created_at: int, kind: str, verified: bool, problem: str | None = None,
                 reply_to: str | None = None, reply_author: str | None = None,
                 reply_body: str | None = None, edited: bool = False, deleted: bool = False,
                 imported: bool = False, rowid: int = 0,
                 forged_changes: tuple[ForgedChange, ...] = (),
                 reactions: tuple[Reaction, ...] = (), reply_author_id: str | None = None,
                 changes: tuple[str, ...] = ()) -> None:
        self.id = id
        self.author_id = author_id
        self.author = author
        self.fingerprint = fingerprint
        self.body = body
        self.created_at = created_at
        self.kind = kind
        self.verified = verified
        self.problem = problem
        self.reply_to = reply_to
        self.reply_author = reply_author
        self.reply_body = reply_body
        self.edited = edited
        self.deleted = deleted
        self.imported = imported
        self.rowid = rowid
        self.forged_changes = forged_changes
        self.reactions = reactions
        self.reply_author_id = reply_author_id
        self.changes = changes

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


class MemberView(Value):
    """A member of a group as the verified roster shows them."""

    __slots__ = ("user_id", "handle", "fingerprint", "role", "state")
    user_id: str
    handle: str
    fingerprint: str
    role: str
    state: str

    def __init__(self, user_id: str, handle: str, fingerprint: str, role: str, state: str) -> None:
        self.user_id = user_id
        self.handle = handle
        self.fingerprint = fingerprint
        self.role = role
        self.state = state

    def to_json(self) -> dict[str, Any]:
        return {"id": self.user_id, "handle": self.handle, "fingerprint": self.fingerprint,
                "role": self.role, "state": self.state}


def member_views(members: Iterable[Member], include_former: bool = False) -> list[MemberView]:
    """A verified roster's members as the roster panel shows them: owners first, then by
    handle (MembershipLog.members; the first frame's, from core.lean_window's roster)."""
    return [MemberView(m.user_id, m.handle, fingerprint(m.user_id), m.role.label, m.state)
            for m in sorted(members, key=lambda m: (-m.role, m.handle.lower()))
            if include_former or m.state == "active"]


def group_label(name: str, group_id: str, twin: bool) -> str:
    """A group's name as one inert line (core.names), with the id's start for a twin."""
    return f"{shown_name(name)} · {group_id[:6]}" if twin else shown_name(name)


class GroupSummary(Value):
    """A row of the user's Groups table joined with what the group's own DB says about them.

    `state` is the user's standing ("active", "left", ...) or "damaged" (with `problem`); a
    group that can be read but not written keeps its state and says why in `read_only`.
    """

    __slots__ = ("id", "name", "personal", "role", "state", "unread", "mentions", "notify",
                 "problem", "read_only", "warning", "archived", "path", "twin")
    id: str
    name: str
    personal: bool
    role: str | None
    state: GroupState
    unread: int
    mentions: int
    notify: NotifyLevel
    problem: str | None
    read_only: str | None  # why nothing can be posted here (the file cannot be written)
    warning: str | None  # history deleted, the file rolled back, a forged change
    archived: bool
    path: str  # the group's file: a group remembers the hub it was created or joined in
    twin: bool  # another of the user's groups has the same name

    def __init__(self, id: str, name: str, personal: bool, role: str | None, state: GroupState,
                 unread: int, mentions: int, notify: NotifyLevel, problem: str | None = None,
                 read_only: str | None = None, warning: str | None = None, archived: bool = False,
                 path: str = "", twin: bool = False) -> None:
        self.id = id
        self.name = name
        self.personal = personal
        self.role = role
        self.state = state
        self.unread = unread
        self.mentions = mentions
        self.notify = notify
        self.problem = problem
        self.read_only = read_only
        self.warning = warning
        self.archived = archived
        self.path = path
        self.twin = twin

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


class Problem(Value):
    """Something `peers verify` found: where it is and what is wrong."""

    __slots__ = ("where", "reason")
    where: str
    reason: str

    def __init__(self, where: str, reason: str) -> None:
        self.where = where
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


def listed_summary(id: str, name: str, personal: bool, notify: NotifyLevel, archived: bool,
                   path: str) -> GroupSummary:
    """A listed group before its first count: its name, nothing counted (the group list of
    the first frame; the count's summary replaces it)."""
    return GroupSummary(id, name, personal, None, GroupState.ACTIVE, 0, 0, notify,
                        archived=archived, path=path)


def mark_twins(summaries: tuple[GroupSummary, ...]) -> tuple[GroupSummary, ...]:
    """Mark the groups whose name another one shares or looks like (core.names), so every
    list can tell them apart."""
    keys = {s.id: look_alike_key(s.name) for s in summaries}
    counts: dict[str, int] = {}
    for key in keys.values():
        counts[key] = counts.get(key, 0) + 1
    return tuple(s.replace(twin=counts[keys[s.id]] > 1) if s.twin != (counts[keys[s.id]] > 1)
                 else s for s in summaries)
