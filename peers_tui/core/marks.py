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

Hangul's vowel and final jamo (U+1160-U+11FF, U+D7B0-U+D7FF) are letters (Lo) that get no
cell either: a terminal draws them into the syllable before them, as Rich counts them (width
0). So they count as marks here: modern Korean writes a vowel and a final on an initial (two),
old Korean a cluster or two more; `가` and forty vowels is the same stack as `zed`'s.

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
_JAMO = "\u1160-\u11ff\ud7b0-\ud7ff"  # Hangul vowel and final jamo: no cell, drawn as marks
_ASTRAL = "\U00010000-\U0001efff\U000e0000-\U000effff"
# The BMP's characters of categories Mn, Me, Mc and Cf from U+00A0 (Unicode 14.0, Python
# 3.11's unicodedata), as ranges: found by category at run time it cost ~10-16 ms at the
# first text shown that is not ASCII (a TUI's first paint). tests/core/test_stacked_marks.py
# checks it against the running Python's data.
_BMP = (
    "\u00ad\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf\u05c1-\u05c2\u05c4-\u05c5\u05c7"
    "\u0600-\u0605\u0610-\u061a\u061c\u064b-\u065f\u0670\u06d6-\u06dd\u06df-\u06e4"
    "\u06e7-\u06e8\u06ea-\u06ed\u070f\u0711\u0730-\u074a\u07a6-\u07b0\u07eb-\u07f3\u07fd"
    "\u0816-\u0819\u081b-\u0823\u0825-\u0827\u0829-\u082d\u0859-\u085b\u0890-\u0891"
    "\u0898-\u089f\u08ca-\u0903\u093a-\u093c\u093e-\u094f\u0951-\u0957\u0962-\u0963"
    "\u0981-\u0983\u09bc\u09be-\u09c4\u09c7-\u09c8\u09cb-\u09cd\u09d7\u09e2-\u09e3\u09fe"
    "\u0a01-\u0a03\u0a3c\u0a3e-\u0a42\u0a47-\u0a48\u0a4b-\u0a4d\u0a51\u0a70-\u0a71\u0a75"
    "\u0a81-\u0a83\u0abc\u0abe-\u0ac5\u0ac7-\u0ac9\u0acb-\u0acd\u0ae2-\u0ae3\u0afa-\u0aff"
    "\u0b01-\u0b03\u0b3c\u0b3e-\u0b44\u0b47-\u0b48\u0b4b-\u0b4d\u0b55-\u0b57\u0b62-\u0b63"
    "\u0b82\u0bbe-\u0bc2\u0bc6-\u0bc8\u0bca-\u0bcd\u0bd7\u0c00-\u0c04\u0c3c\u0c3e-\u0c44"
    "\u0c46-\u0c48\u0c4a-\u0c4d\u0c55-\u0c56\u0c62-\u0c63\u0c81-\u0c83\u0cbc\u0cbe-\u0cc4"
    "\u0cc6-\u0cc8\u0cca-\u0ccd\u0cd5-\u0cd6\u0ce2-\u0ce3\u0d00-\u0d03\u0d3b-\u0d3c"
    "\u0d3e-\u0d44\u0d46-\u0d48\u0d4a-\u0d4d\u0d57\u0d62-\u0d63\u0d81-\u0d83\u0dca"
    "\u0dcf-\u0dd4\u0dd6\u0dd8-\u0ddf\u0df2-\u0df3\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u0eb1"
    "\u0eb4-\u0ebc\u0ec8-\u0ecd\u0f18-\u0f19\u0f35\u0f37\u0f39\u0f3e-\u0f3f\u0f71-\u0f84"
    "\u0f86-\u0f87\u0f8d-\u0f97\u0f99-\u0fbc\u0fc6\u102b-\u103e\u1056-\u1059\u105e-\u1060"
    "\u1062-\u1064\u1067-\u106d\u1071-\u1074\u1082-\u108d\u108f\u109a-\u109d\u135d-\u135f"
    "\u1712-\u1715\u1732-\u1734\u1752-\u1753\u1772-\u1773\u17b4-\u17d3\u17dd\u180b-\u180f"
    "\u1885-\u1886\u18a9\u1920-\u192b\u1930-\u193b\u1a17-\u1a1b\u1a55-\u1a5e\u1a60-\u1a7c"
    "\u1a7f\u1ab0-\u1ace\u1b00-\u1b04\u1b34-\u1b44\u1b6b-\u1b73\u1b80-\u1b82\u1ba1-\u1bad"
    "\u1be6-\u1bf3\u1c24-\u1c37\u1cd0-\u1cd2\u1cd4-\u1ce8\u1ced\u1cf4\u1cf7-\u1cf9"
    "\u1dc0-\u1dff\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u20d0-\u20f0"
    "\u2cef-\u2cf1\u2d7f\u2de0-\u2dff\u302a-\u302f\u3099-\u309a\ua66f-\ua672\ua674-\ua67d"
    "\ua69e-\ua69f\ua6f0-\ua6f1\ua802\ua806\ua80b\ua823-\ua827\ua82c\ua880-\ua881"
    "\ua8b4-\ua8c5\ua8e0-\ua8f1\ua8ff\ua926-\ua92d\ua947-\ua953\ua980-\ua983\ua9b3-\ua9c0"
    "\ua9e5\uaa29-\uaa36\uaa43\uaa4c-\uaa4d\uaa7b-\uaa7d\uaab0\uaab2-\uaab4\uaab7-\uaab8"
    "\uaabe-\uaabf\uaac1\uaaeb-\uaaef\uaaf5-\uaaf6\uabe3-\uabea\uabec-\uabed\ufb1e"
    "\ufe00-\ufe0f\ufe20-\ufe2f\ufeff\ufff9-\ufffb"
)


def is_mark(char: str) -> bool:
    """Whether `char` is a combining mark (or a Hangul vowel or final jamo): drawn on the
    character before it."""
    return (unicodedata.category(char) in ("Mn", "Me") or unicodedata.combining(char) != 0
            or "\u1160" <= char <= "\u11ff" or "\ud7b0" <= char <= "\ud7ff")


def _candidates() -> re.Pattern[str]:
    """More than MAX_MARKS characters in a row each of which may be a mark or a format
    character: every run that is too long is within one match (whose start follows a base).

    A superset, checked character by character (`_counts`): the BMP's marks (Mc too) and
    format characters (`_BMP`), and the astral planes where marks and format characters are,
    whole: Python's `re` tests a class with astral ranges one range at a time, 60 times
    slower on a megabyte of Chinese than a class within the BMP, which it tests with a
    bitmap. Emoji (U+1F000 on) and CJK (U+20000 on) are not in it. Compiled at the first
    text that is not ASCII (~1 ms).
    """
    if not _PATTERNS:
        _PATTERNS.append(re.compile(f"[{_BMP}{_JAMO}{_ASTRAL}]{{{MAX_MARKS + 1},}}"))
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
