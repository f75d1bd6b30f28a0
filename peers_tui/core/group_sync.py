"""One group's part in the relay's link state (`<hub>/.link.json`, core.link_state): what is
not yet sent, what is still arriving, this host's records the hub refused and those of them a
cut voided, and its reading from the untrusted file (anything not of the shape raises
ValueError, TypeError or KeyError: no link state). Apart from link_state since h-left15 (the
void fields made that module too long)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_REFUSED = 256        # message ids refused at the hub, a group
MESSAGE_ID = re.compile(r"^[0-9A-Za-z]{1,40}$")
USER_ID = re.compile(r"^[a-z2-7]{52}$")


@dataclass(frozen=True)
class GroupSync:
    """One group's part in the link: what is not yet sent, and what is still arriving."""

    unsent: int = 0
    sent: int = 0                   # the local message rowid stored upstream up to
    frontier: str | None = None     # history older than this message id is not yet here
    receiving: float | None = None  # 0..1 while a backfill runs
    invites: int = 0                # the local invite id stored upstream up to
    refused: int = 0                # records of this host the hub refused (relay.hub_refusals)
    refused_ids: tuple[str, ...] = ()  # ... the message ids among them (the newest MAX_REFUSED)
    refused_by: tuple[tuple[str, int], ...] = ()  # ... (author, count): whose they are
    unsent_by: tuple[tuple[str, int], ...] = ()  # the unsent messages by (author, count)
    # ... of the refused: those a cut voided (relay.refused_told: said in the hub's words)
    void: int = 0
    void_ids: tuple[str, ...] = ()
    void_by: tuple[tuple[str, int], ...] = ()
    # The hub's relay silent (LinkState.hub_relay_silent): the local message rowid stored
    # upstream up to when it last answered; what was sent after waits at the hub's server
    passed: int | None = None

    def refused_for(self, user: str | None) -> int:
        """The refused records `user` wrote, and those whose author the relay could not tell;
        every one when `user` is None (seventeenth acceptance pass: another user's refused
        posts, a removed member's voided by the cut, read "25 refused by the hub" in every
        app of the host, for good)."""
        if user is None:
            return self.refused
        named = sum(count for _, count in self.refused_by)
        return dict(self.refused_by).get(user, 0) + max(self.refused - named, 0)

    def void_for(self, user: str | None) -> int:
        """Of `refused_for(user)`, those a cut voided (counted alike)."""
        if user is None:
            return self.void
        named = sum(count for _, count in self.void_by)
        return dict(self.void_by).get(user, 0) + max(self.void - named, 0)

    def unsent_for(self, user: str) -> int:
        """The unsent messages `user` wrote: those the log marks as not yet at the hub
        (h-told: erin's line read `11 unsent` beside her 8 marked, the others' 3 not hers)."""
        return dict(self.unsent_by).get(user, 0)


def _number(value: Any, *, least: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= least \
            or value != value or value in (float("inf"), float("-inf")):
        raise ValueError("not a number")
    return float(value)


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("not a count")
    return value


def _match(pattern: re.Pattern[str], value: Any) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError("not the expected shape")
    return value


def _optional(value: Any, read: Any) -> Any:
    return None if value is None else read(value)


def group_sync(data: Any) -> GroupSync:
    """One group's part as `.link.json` holds it (core.link_state reads the rest)."""
    if not isinstance(data, dict):
        raise ValueError("not a group")
    receiving = _optional(data.get("receiving"), _number)
    if receiving is not None and receiving > 1:
        raise ValueError("receiving is a fraction")
    return GroupSync(unsent=_count(data.get("unsent", 0)), sent=_count(data.get("sent", 0)),
                     frontier=_optional(data.get("frontier"), lambda v: _match(MESSAGE_ID, v)),
                     receiving=receiving, invites=_count(data.get("invites", 0)),
                     refused=_count(data.get("refused", 0)),
                     refused_ids=_ids(data.get("refused_ids", [])),
                     refused_by=_author_counts(data.get("refused_by", [])),
                     unsent_by=_author_counts(data.get("unsent_by", [])),
                     void=_count(data.get("void", 0)), void_ids=_ids(data.get("void_ids", [])),
                     void_by=_author_counts(data.get("void_by", [])),
                     passed=_optional(data.get("passed"), _count))


def _ids(data: Any) -> tuple[str, ...]:
    """refused_ids and void_ids: message ids (the first MAX_REFUSED)."""
    if not isinstance(data, list):
        raise ValueError("not a list of ids")
    return tuple(_match(MESSAGE_ID, v) for v in data[:MAX_REFUSED])


def _author_counts(data: Any) -> tuple[tuple[str, int], ...]:
    """refused_by, void_by and unsent_by: a short list of [author id, count] pairs."""
    if not isinstance(data, list) or len(data) > MAX_REFUSED:
        raise ValueError("not a short list")
    pairs = []
    for pair in data:
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
            raise ValueError("not [author, count] pairs")
        pairs.append((_match(USER_ID, pair[0]), _count(pair[1])))
    return tuple(pairs)


# The same checks for the rest of the file (core.link_state)
number, count, match, optional = _number, _count, _match, _optional

__all__ = ["MAX_REFUSED", "MESSAGE_ID", "USER_ID", "GroupSync", "count", "group_sync", "match",
           "number", "optional"]
