"""Reactions: a signed `msg` record of type `react` aimed at a message, like an edit.

The record carries `target` (the message), `body` (the emoji) and `on` (true adds the
reaction, false takes it back); it is a link of its author's chain and names the membership
state it was signed under, so it is judged like every edit: only a writer at that state may
react, a forged one counts for nothing and is listed beside its target as a forged record of
its own. For each (author, target, emoji) the genuine record furthest along the author's
chain holds, so `peers react` toggles by signing the opposite of the current state. Which
record holds is decided by the author's chain position alone: every reader agrees.
"""

from __future__ import annotations

from typing import Any

from peers_tui.core.errors import PeersError
from peers_tui.core.records import RecordError
from peers_tui.core.value import Value

MAX_EMOJI_CHARS = 16  # the longest family/flag sequences are 10 code points; room to spare
ZWJ, VS16, VS15, KEYCAP = "\u200d", "\ufe0f", "\ufe0e", "\u20e3"
COMMON = ("👍", "👎", "😄", "🎉", "😕", "❤️", "🚀", "👀")

# Code points that start (or follow a ZWJ in) an emoji: the pictographic blocks, and the
# older symbols that are emoji with or without VS16.
_PICTOGRAPHIC = (
    (0x1F000, 0x1F0FF), (0x1F100, 0x1F1E5), (0x1F200, 0x1F2FF), (0x1F300, 0x1F3FA),
    (0x1F400, 0x1F64F), (0x1F680, 0x1F6FF), (0x1F700, 0x1F7FF), (0x1F800, 0x1F8FF),
    (0x1F900, 0x1F9FF), (0x1FA00, 0x1FAFF), (0x2600, 0x27BF), (0x2300, 0x23FF),
    (0x2B00, 0x2BFF), (0x2190, 0x21FF), (0x25A0, 0x25FF), (0x2934, 0x2935),
    (0x3030, 0x3030), (0x303D, 0x303D), (0x3297, 0x3297), (0x3299, 0x3299),
    (0x00A9, 0x00A9), (0x00AE, 0x00AE), (0x203C, 0x203C), (0x2049, 0x2049),
    (0x2122, 0x2122), (0x2139, 0x2139), (0x24C2, 0x24C2),
)
_SKIN_TONES = (0x1F3FB, 0x1F3FF)
_REGIONAL = (0x1F1E6, 0x1F1FF)
_TAGS = (0xE0020, 0xE007E)
_CANCEL_TAG = 0xE007F


def _within(char: str, span: tuple[int, int]) -> bool:
    return span[0] <= ord(char) <= span[1]


def _pictographic(char: str) -> bool:
    return any(_within(char, span) for span in _PICTOGRAPHIC)


def _element_end(text: str, start: int) -> int:
    """Where one emoji element (a pictograph and its modifiers) starting at `start` ends;
    ValueError when none starts there."""
    if start >= len(text) or not _pictographic(text[start]):
        raise ValueError
    position = start + 1
    if position < len(text) and text[position] in (VS16, VS15):
        position += 1
    if position < len(text) and _within(text[position], _SKIN_TONES):
        position += 1
    if position < len(text) and _within(text[position], _TAGS):  # a subdivision flag
        while position < len(text) and _within(text[position], _TAGS):
            position += 1
        if position >= len(text) or ord(text[position]) != _CANCEL_TAG:
            raise ValueError
        position += 1
    return position


def is_emoji(text: object) -> bool:
    """True when `text` is one emoji: a pictograph (with its variation selector, skin tone
    or tags), a ZWJ sequence of them, a flag (two regional indicators) or a keycap."""
    if not isinstance(text, str) or not text or len(text) > MAX_EMOJI_CHARS:
        return False
    if len(text) == 2 and all(_within(c, _REGIONAL) for c in text):
        return True
    if text[0] in "0123456789#*" and text[1:] in (KEYCAP, VS16 + KEYCAP):
        return True
    try:
        position = _element_end(text, 0)
        while position < len(text):
            if text[position] != ZWJ:
                return False
            position = _element_end(text, position + 1)
    except ValueError:
        return False
    return True


def check_emoji(text: str) -> str:
    """The emoji as typed (surrounding spaces dropped); PeersError for anything else."""
    emoji = text.strip()
    if not is_emoji(emoji):
        raise PeersError(f"{emoji[:20]!r} is not an emoji: react with one emoji, e.g. "
                         + " ".join(COMMON))
    return emoji


def check_reaction_record(data: dict[str, Any]) -> None:
    """The fields a `react` record must carry beyond a change's; RecordError otherwise."""
    if not is_emoji(data.get("body")):
        raise RecordError("malformed react record (not an emoji)")
    if not isinstance(data.get("on"), bool):
        raise RecordError("malformed react record (field on)")


class Reaction(Value):  # not a dataclass: compiled at import (core.value)
    """One emoji on a message and who put it there (user ids, in the order they reacted)."""

    __slots__ = ("emoji", "user_ids")
    emoji: str
    user_ids: tuple[str, ...]

    def __init__(self, emoji: str, user_ids: tuple[str, ...]) -> None:
        self.emoji = emoji
        self.user_ids = user_ids

    @property
    def count(self) -> int:
        return len(self.user_ids)


class ReactionTally:  # not a dataclass: compiled at import (core.value)
    """The genuine reaction records of a window, reduced to what holds for each message."""

    __slots__ = ("latest",)

    def __init__(self) -> None:
        # target -> (author, emoji) -> (aseq, on, record id) of the record furthest along the chain
        self.latest: dict[str, dict[tuple[str, str], tuple[int, bool, str]]] = {}

    def add(self, target: str, author: str, data: dict[str, Any]) -> None:
        """Count one genuine react record (its fields checked by check_reaction_record)."""
        key = (author, str(data["body"]))
        found = (int(data["aseq"]), bool(data["on"]), str(data["id"]))
        held = self.latest.setdefault(target, {})
        if key not in held or held[key][0] < found[0]:
            held[key] = found

    def of(self, target: str) -> tuple[Reaction, ...]:
        """The reactions that hold on `target`, each emoji in the order it was first put
        there (by the id of the record that holds), its reactors likewise."""
        by_emoji: dict[str, list[tuple[str, str]]] = {}
        for (author, emoji), (_, on, record_id) in self.latest.get(target, {}).items():
            if on:
                by_emoji.setdefault(emoji, []).append((record_id, author))
        ordered = sorted(by_emoji.items(), key=lambda item: min(item[1]))
        return tuple(Reaction(emoji, tuple(author for _, author in sorted(reactors)))
                     for emoji, reactors in ordered)


MOST_SHOWN = 16  # emoji shown under a message before "… N more" (each is a genuine record)


def summary(reactions: tuple[Reaction, ...], most: int | None = MOST_SHOWN) -> str:
    """How a message's reactions show under it: "👍 2 🎉 1" ("" when there are none), the
    first `most` emoji and "… N more" after them: one member may put any number of emoji
    there, and the line stays a line (issue 15)."""
    shown = " ".join(f"{reaction.emoji} {reaction.count}" for reaction in reactions[:most])
    hidden = len(reactions) - len(reactions[:most])
    return f"{shown} … {hidden} more" if hidden else shown


def counts(reactions: tuple[Reaction, ...]) -> dict[str, int]:
    """The `reactions` of a `peers log --json` row: emoji -> how many people."""
    return {reaction.emoji: reaction.count for reaction in reactions}


def reacted(reactions: tuple[Reaction, ...], user_id: str, emoji: str) -> bool:
    """Whether `user_id`'s reaction `emoji` currently holds (so the next one takes it back)."""
    return any(r.emoji == emoji and user_id in r.user_ids for r in reactions)
