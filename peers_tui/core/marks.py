"""Combining marks stacked on one character: how many a typed name may hold, and the cut
that shows any text with at most MAX_MARKS on each base character.

A combining mark (category Mn or Me, or any character with a non-zero canonical combining
class) is drawn on the character before it and gets no cell of its own. tmux keeps a few a
cell, but terminals that draw marks outside the cell stack a run of them over the lines
above and below ("Zalgo text"): `zed` and 40 acute accents, a valid handle until
2026-12-05, defaced the messages, the roster and the group list around it.

Real writing stacks a few: Vietnamese two on a vowel (ệ decomposed: e, U+0323, U+0302),
Hindi up to three (nukta, a vowel sign, candrabindu), pointed Hebrew up to four (dagesh, a
vowel, the shin dot, a cantillation mark), Tibetan three or four (subjoined letters and a
vowel: ཧྨྱཱུ). MAX_MARKS is 4: all of those, and no more than about one line of marks
above or below a base. Unicode's Stream-Safe Text Format (UAX #15) allows 30 non-starters
in a row: a bound for normalisation buffers, not for what fits between two lines. Rarer
stacks (Biblical Hebrew with a meteg besides, a Tibetan monogram such as ཧྐྵྨླྺྻཱྃ) show
their first four marks.

A format character (category Cf: a zero-width joiner, say) draws nothing and most terminals
give it no cell, so it does not end a run: `e` + 4 marks + ZWJ + 4 marks is 8 on the `e`.
"""

from __future__ import annotations

import re
import unicodedata

from peers_tui.core.errors import PeersError

MAX_MARKS = 4
_PATTERNS: list[re.Pattern[str]] = []  # compiled when first needed: ASCII never needs it
# Where the astral marks and format characters are (Unicode 14: U+101FD to U+1E94A, and tags
# and variation selectors from U+E0001): a test checks that Python's data holds no other.
_ASTRAL = "\U00010000-\U0001efff\U000e0000-\U000effff"


def is_mark(char: str) -> bool:
    """Whether `char` is a combining mark: drawn on the character before it."""
    return unicodedata.category(char) in ("Mn", "Me") or unicodedata.combining(char) != 0


def _candidates() -> re.Pattern[str]:
    """More than MAX_MARKS characters in a row each of which may be a mark or a format
    character: every run that is too long is within one match (whose start follows a base).

    A superset, checked character by character (`_counts`): the BMP's marks (Mc too) and
    format characters, found by their category (~10 ms, once), and the astral planes where
    marks and format characters are, whole: Python's `re` tests a class with astral ranges
    one range at a time, 60 times slower on a megabyte of Chinese than a class within the
    BMP, which it tests with a bitmap. Emoji (U+1F000 on) and CJK (U+20000 on) are not in it.
    """
    if not _PATTERNS:
        category = unicodedata.category
        codes = [code for code in range(0xA0, 0x10000)
                 if category(chr(code)) in ("Mn", "Me", "Mc", "Cf")]
        ranges: list[list[int]] = []
        for code in codes:
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
        members = "".join(f"{chr(low)}-{chr(high)}" for low, high in ranges)
        _PATTERNS.append(re.compile(f"[{members}{_ASTRAL}]{{{MAX_MARKS + 1},}}"))
    return _PATTERNS[0]


def _runs(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each stretch of `text` that may hold too many marks on a base."""
    if text.isascii():
        return []
    return [match.span() for match in _candidates().finditer(text)]


def _counts(stretch: str) -> list[int]:
    """For each character of `stretch` (which follows a base), how many marks in a row end
    with it: 0 for a base, unchanged by a format character."""
    counts, count = [], 0
    for char in stretch:
        if is_mark(char):
            count += 1
        elif unicodedata.category(char) != "Cf":
            count = 0
        counts.append(count)
    return counts


def most_marks(text: str) -> int:
    """The most combining marks `text` stacks on one character, if more than MAX_MARKS;
    0 otherwise."""
    most = max((max(_counts(text[start:end])) for start, end in _runs(text)), default=0)
    return most if most > MAX_MARKS else 0


def cut_marks(text: str) -> str:
    """`text` with each run of combining marks on one character cut to its first MAX_MARKS
    (format characters in the run kept): what is shown of untrusted text, never stored."""
    runs = [] if text.isascii() else _runs(text)
    if not runs:
        return text
    parts, last = [], 0
    for start, end in runs:
        stretch = text[start:end]
        parts.append(text[last:start])
        parts.append("".join(char for char, count in zip(stretch, _counts(stretch))
                             if count <= MAX_MARKS or not is_mark(char)))
        last = end
    parts.append(text[last:])
    return "".join(parts)


def check_marks(value: str, what: str) -> str:
    """A name or topic typed by the user: refused, in one line, if it stacks more than
    MAX_MARKS combining marks on one character."""
    most = most_marks(value)
    if most:
        raise PeersError(f"{what} stacks {most} combining marks on one character, the limit "
                         f"is {MAX_MARKS}: more would draw over the lines above and below")
    return value
