"""What Tab offers in the composer (pure: no Textual), as irssi and weechat users expect it.

- `/m` at the start of the message: the slash commands (`/me `, `/members `, `/mute `).
- `@b` anywhere: the handles of the group's members (`@bob `).
- `b` at the very start of the message: a member's handle addressed irssi's way (`bob: `);
  a bare word elsewhere: a member's handle (`bob `).
- The argument of a command that takes a person (`/dm b`, `/invite @b`): the people who
  published a profile in the hub; of one that takes a group (`/join t`): the user's groups,
  whose names may hold spaces (the whole argument is the prefix).

The composer inserts the first candidate; each further Tab the next one (Shift+Tab the one
before), and any other key keeps what is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal

from peers_tui.core.value import Value

ArgumentKind = Literal["person", "group"]
ADDRESS_SUFFIX = ": "  # a handle that starts the message addresses that person


class ArgumentSource(Value):  # not a dataclass: compiled at import (core.value)
    """What a command's argument is, and where the names it may be come from (read when Tab
    is pressed there, on the UI thread: a small directory or personal.db, a few ms)."""

    __slots__ = ("kind", "names")
    kind: ArgumentKind
    names: Callable[[], list[str]]

    def __init__(self, kind: ArgumentKind, names: Callable[[], list[str]]) -> None:
        self.kind = kind
        self.names = names


class Offer(Value):  # not a dataclass: compiled at import (core.value)
    """The text from `start` to the cursor may become any of `candidates` (each whole, with
    what follows it); none: nothing matched."""

    __slots__ = ("start", "candidates")
    start: int
    candidates: tuple[str, ...]

    def __init__(self, start: int, candidates: tuple[str, ...]) -> None:
        self.start = start
        self.candidates = candidates


def _insertable(name: str) -> bool:
    """A name Tab may type into the composer: no line breaks or control characters (group
    names come from other people's genesis records)."""
    return bool(name) and name.isprintable()


def matching(start: int, typed: str, pool: Iterable[str], suffix: str) -> Offer:
    folded = typed.casefold()
    found = sorted({name for name in pool if _insertable(name)
                    and name.casefold().startswith(folded)},
                   key=lambda name: (name.casefold(), name))
    return Offer(start, tuple(name + suffix for name in found))


def offer(line: str, column: int, first_line: bool, *, handles: Iterable[str],
          commands: Iterable[str], arguments: dict[str, ArgumentSource]) -> Offer | None:
    """What Tab offers with the cursor at `column` of `line` (`first_line`: the message's
    first line); None when there is nothing to complete there."""
    start = column
    while start > 0 and not line[start - 1].isspace():
        start -= 1
    word = line[start:column]
    before = line[:column]
    if first_line and before.startswith("/"):
        if start == 0:
            return matching(0, word, commands, " ")
        head = before.split(" ", 1)[0].lower()
        source = arguments.get(head)
        if source is not None and source.kind == "group":
            begin = len(head) + 1
            return matching(begin, line[begin:column], source.names(), " ")
        if source is not None and source.kind == "person":
            names = source.names()
            if word.startswith("@"):
                return matching(start, word, [f"@{name}" for name in names], " ")
            return matching(start, word, names, " ")
    if word.startswith("@"):
        return matching(start, word, [f"@{handle}" for handle in handles], " ")
    if not word or word.startswith("/"):
        return None
    at_start = first_line and start == 0
    return matching(start, word, handles, ADDRESS_SUFFIX if at_start else " ")
