"""Membership changes as events in the log: joins (and the invite used), leaves, removals,
role changes, handle changes and revocations, placed among the messages by time.

Events come from the membership log as the roster replay judged it (GroupStore.roster): a
change is an event only if it counted there, which the roster's chain of counted hashes says
for each place. A change that did not count (forged, out of chain, set aside) is an item of
its own marked unverified with the reason, never an event. Topic changes are message records
of kind "topic" and already stand in their place in the log.

A change's place in time is the later of its own signed time and the place of the last
change before it that an admin or owner signed: the log's order is proven by its hash chain,
its times are not, so events never run backwards against the admins' changes, and a join
stands no earlier than the invite it used (a backdated join cannot slip above messages
before that). A member's own time (their join, handle change or
leave) places their own change only: carried on, one handle change signed in the year 9997
put every later event there, below every message (the tenth attack pass, docs/relay.md);
an admin's time bounds what follows as it bounds invite expiry (README rule 6).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, cast

from peers_tui.core.encoding import record_hash
from peers_tui.core.identity import fingerprint
from peers_tui.core.ids import ulid_value
from peers_tui.core.membership import InviteTerms, Roster
from peers_tui.core.names import TILDE_LIKE, look_alike_key, shown_handle
from peers_tui.core.roles import Role
from peers_tui.core.times import iso_utc_or_none
from peers_tui.core.views import MessageView
from peers_tui.core.value import Value

SHOWN_TIMES = (0, 253_370_764_799_999)


class EventView(Value):  # not a dataclass: compiled at import (core.value)
    """One membership change as the log shows it. `verified` False: a change that did not
    count, shown with `problem` and what it claimed (in `body`), never as an event."""

    __slots__ = ("id", "seq", "action", "actor_id", "actor", "member_id", "member", "template",
                 "names", "created_at", "verified", "problem", "kind")
    id: str
    seq: int
    action: str
    actor_id: str
    actor: str
    member_id: str
    member: str
    template: str  # the text, with {placeholders} for the names in `names`
    names: tuple[tuple[str, str], ...]
    created_at: int
    verified: bool
    problem: str | None
    kind: str

    def __init__(self, id: str, seq: int, action: str, actor_id: str, actor: str, member_id: str,
                 member: str, template: str, names: tuple[tuple[str, str], ...], created_at: int,
                 verified: bool = True, problem: str | None = None, kind: str = "event") -> None:
        self.id = id
        self.seq = seq
        self.action = action
        self.actor_id = actor_id
        self.actor = actor
        self.member_id = member_id
        self.member = member
        self.template = template
        self.names = names
        self.created_at = created_at
        self.verified = verified
        self.problem = problem
        self.kind = kind

    @property
    def body(self) -> str:
        """The event's text, names as they are ("bob joined as writer (invited by alice)")."""
        return self.template.format(**dict(self.names))

    def shown(self, render: Callable[[str], str]) -> str:
        """The text with each name made safe to show by `render` (e.g. core.names.shown_name):
        names are untrusted text, the rest of an event's text is peers' own."""
        return self.template.format(**{key: render(value) for key, value in self.names})

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.actor_id)

    def to_json(self) -> dict[str, Any]:
        """Every key a message row has (`body` the event's text), `kind` "event", and the
        change itself: `action`, `seq`, `member_id`."""
        data: dict[str, Any] = {
            "id": self.id, "author_id": self.actor_id, "author": self.actor,
            "fingerprint": self.fingerprint, "body": self.body,
            "created_at": iso_utc_or_none(self.created_at), "kind": "event",
            "verified": self.verified, "reply_to": None, "edited": False, "deleted": False,
            "imported": False, "reactions": {},
            "action": self.action, "seq": self.seq, "member_id": self.member_id,
        }
        if not self.verified:
            data["problem"] = self.problem
        return data


def _clamped(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        return 0
    return min(max(value, SHOWN_TIMES[0]), SHOWN_TIMES[1])


def _parse(text: object) -> dict[str, Any]:
    try:
        data = json.loads(text) if isinstance(text, str) else None
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


class _Namer:
    """Handles as they were at each point of the log: an event names people as they were
    called then (as a message names its author as they are called now)."""

    def __init__(self, roster: Roster, founder_handle: str) -> None:
        self.roster = roster
        self.then: dict[str, str] = {roster.founder: founder_handle}
        self._owners: dict[str, set[str]] | None = None  # look-alike key -> user ids

    def __call__(self, user_id: object) -> str:
        text = str(user_id)
        name = self.then.get(text) or self.roster.handle_of(text)
        if not name:
            return fingerprint(text)
        # A name that is, or looks like, another member's carries its owner's fingerprint,
        # as in messages and the roster ("аlice~b2gnqu7m joined", a Cyrillic а).
        return self.as_held(text, name)

    def as_held(self, user_id: str, name: str) -> str:
        """`name`, held by `user_id`, with their fingerprint where another member's name
        (today's, or one held so far in the log) is the same or looks alike."""
        if self._owners is None:  # today's names, and every name held so far in the log
            self._owners = {}
            held = [(m.user_id, m.handle) for m in self.roster.members.values()]
            for owner, handle in [*held, *self.then.items()]:
                self._owners.setdefault(look_alike_key(handle), set()).add(owner)
        shown = shown_handle(name) if not TILDE_LIKE.isdisjoint(name) else name
        if self._owners.get(look_alike_key(name), set()) - {user_id}:
            return f"{shown}~{fingerprint(user_id)}"
        return shown

    def follow(self, data: dict[str, Any]) -> None:
        """Apply a change that counted: joins and handle changes name someone anew."""
        if data.get("action") in ("join", "handle") and isinstance(data.get("handle"), str):
            self.then[str(data.get("member"))] = data["handle"]
            if self._owners is not None:  # a name held then counts as looking alike too
                self._owners.setdefault(look_alike_key(data["handle"]), set()).add(
                    str(data.get("member")))


Described = tuple[str, tuple[tuple[str, str], ...]]


def describe(data: dict[str, Any], roster: Roster, seq: int, name: _Namer,
             invites: dict[str, InviteTerms]) -> Described:
    """The text of a change ("{whom} joined as writer (invited by {inviter})", "{who}
    removed {whom}") and the names that fill it in."""
    action, actor, member = data.get("action"), data.get("a"), data.get("member")
    names = {"who": name(actor), "whom": name(member)}
    text = f"{{who}}: membership change {{action}}"
    names["action"] = str(action)[:40]
    if action == "join":
        role = Role.from_value(data.get("role"))
        text = f"{{whom}} joined as {role.label if role else '?'}"
        terms = invites.get(str(data.get("invite")))
        if terms:
            text, names["inviter"] = text + " (invited by {inviter})", name(terms.signer)
    elif action == "leave":
        text = "{whom} left"
    elif action == "remove":
        text = "{who} removed {whom}"
    elif action == "role":
        role, before = Role.from_value(data.get("role")), roster.role_at(str(member), seq - 1)
        text = (f"{{who}} changed the role of {{whom}}" if role is None
                else f"{{who}} made {{whom}} {role.with_article} (was {before.with_article})"
                if before is not None and role < before
                else f"{{who}} made {{whom}} {role.with_article}")
    elif action == "handle":  # named as they were before the change
        # the new name too: "bob is now known as аlice" read as taking alice's name
        text, names["handle"] = "{whom} is now known as {handle}", name.as_held(
            str(member), str(data.get("handle"))[:64])
    elif action == "revoke":
        text = "{who} revoked an invite"
    return text, tuple(sorted(names.items()))


def membership_events(roster: Roster, invites: dict[str, InviteTerms],
                      founder_handle: str) -> list[EventView]:
    """Every change in the file's membership log, as events (those that counted) and items
    marked unverified (those that did not), in log order. Runs inside a GroupStore session;
    `roster` and `invites` are what that store's replay verified (roster(), invites())."""
    # The models here only: the log draws events without them, at the first frame too.
    from peers_tui.core.models import GroupMember, SetAsideChange

    name = _Namer(roster, founder_handle)
    reasons = dict(roster.problems)
    events: list[EventView] = []
    placed = 0
    rows = cast("list[tuple[Any, Any]]", list(
        GroupMember.select(GroupMember.seq, GroupMember.record)
        .order_by(GroupMember.seq, GroupMember.record).tuples()))
    aside = cast("list[tuple[Any, Any, Any]]", list(SetAsideChange.select(
        SetAsideChange.seq, SetAsideChange.record, SetAsideChange.reason).tuples()))
    for seq, text in rows:
        if not isinstance(seq, int) or isinstance(seq, bool):
            continue
        data = _parse(text)
        counted = isinstance(text, str) and roster.chain.get(seq) == record_hash(text)
        if counted:
            at = max(placed, _clamped(data.get("t")))
            terms = invites.get(str(data.get("invite"))) if data.get("action") == "join" else None
            if terms is not None:  # never before the invite it used (an admin signed its time)
                at = max(at, _clamped(terms.created_at))
            if (roster.role_at(str(data.get("a")), seq - 1) or 0) >= Role.ADMIN:
                placed = at  # only an admin's or owner's time carries on (see above)
            joined = data.get("action") == "join"
            if joined:  # a join names its joiner by the handle it brings
                name.follow(data)
            events.append(_event(seq, data, roster, name, invites, at, record_hash(text)))
            if not joined:
                name.follow(data)
        else:
            events.append(_unverified(seq, data, text, reasons.get(seq, "did not count"),
                                      roster, name, invites))
    for seq, text, reason in aside:
        events.append(_unverified(seq if isinstance(seq, int) else 0, _parse(text), text,
                                  f"set aside: {str(reason)[:200]}", roster, name, invites))
    return events


def _event(seq: int, data: dict[str, Any], roster: Roster, name: _Namer,
           invites: dict[str, InviteTerms], placed: int, digest: str) -> EventView:
    template, names = describe(data, roster, seq, name, invites)
    return EventView(id=f"member-{seq}-{digest[:8]}", seq=seq, action=str(data.get("action")),
                     actor_id=str(data.get("a")), actor=name(data.get("a")),
                     member_id=str(data.get("member")), member=name(data.get("member")),
                     template=template, names=names, created_at=placed)


def _unverified(seq: int, data: dict[str, Any], text: object, reason: str, roster: Roster,
                name: _Namer, invites: dict[str, InviteTerms]) -> EventView:
    digest = record_hash(text) if isinstance(text, str) else "damaged"
    claim, names = describe(data, roster, seq, name, invites) if data else ("a damaged record", ())
    return EventView(id=f"member-{seq}-{digest[:8]}", seq=seq, action=str(data.get("action")),
                     actor_id=str(data.get("a", "")), actor=name(data.get("a", "")),
                     member_id=str(data.get("member", "")), member=name(data.get("member", "")),
                     template=f"unverified membership change (claims: {claim})", names=names,
                     created_at=_clamped(data.get("t")), verified=False, problem=reason)


def log_time(message: MessageView) -> int:
    """Where a message stands in time in the log: the time its id places it at."""
    try:
        return ulid_value(message.id) >> 80
    except ValueError:
        return message.created_at


def interleave(messages: list[MessageView], events: list[EventView], *,
               from_start: bool, to_end: bool = True) -> list[MessageView | EventView]:
    """`messages` (a window of the log, oldest first) with the events that fall inside it,
    each before the first message placed later than or at its time. `from_start`: the
    window begins the history (earlier events go first); `to_end`: it ends it (later events
    go last)."""
    if not messages:
        return list(events) if from_start and to_end else []
    low = None if from_start else log_time(messages[0])
    high = None if to_end else log_time(messages[-1])
    wanted = [e for e in events if (low is None or e.created_at >= low)
              and (high is None or e.created_at <= high)]
    wanted.sort(key=lambda e: e.created_at)  # stable: log order among equal times
    result: list[MessageView | EventView] = []
    index = 0
    for message in messages:
        at = log_time(message)
        while index < len(wanted) and wanted[index].created_at <= at:
            result.append(wanted[index])
            index += 1
        result.append(message)
    result.extend(wanted[index:])
    return result

