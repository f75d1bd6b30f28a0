"""Untrusted text: what peers accepts as input and how it shows text it did not write.

Message bodies, handles, group names and topics are data, never markup or terminal commands.
`inert()` turns every control character, escape sequence introducer and bidi override into a
visible placeholder, so printing a hostile string cannot recolour, move, retitle or hide, and
cuts stacked combining marks (core.marks), so it cannot draw over the lines around it.
"""

from __future__ import annotations

import re
import unicodedata

from peers_tui.core.errors import PeersError
from peers_tui.core.marks import cut_marks

# Bidi embeddings, overrides and isolates can visually reorder the text around them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# Everything is_unsafe() refuses, as one pattern: scanning megabytes with it costs little.
# Compiled when first needed (~1 ms): printable text, all a plain `peers send` checks, never
# needs it.
_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff" + "".join(sorted(BIDI_CONTROLS))
_UNSAFE_PATTERNS: dict[bool, re.Pattern[str]] = {}  # by `multiline`


def _placeholder(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control pictures": ␛ for ESC, ␇ for BEL
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def is_unsafe(char: str, *, allow_newlines: bool) -> bool:
    if char in "\n\t":
        return not allow_newlines if char == "\n" else False
    if char in BIDI_CONTROLS:
        return True
    category = unicodedata.category(char)
    # Cc: C0/C1 controls and DEL; Cs: lone surrogates; Co/Cn are harmless to terminals.
    return category in ("Cc", "Cs") or char in "\u2028\u2029"


def inert(text: str, *, allow_newlines: bool = True) -> str:
    """`text` with every unsafe character replaced by a visible placeholder, and each run
    of combining marks on one character cut to a few (core.marks): what is shown, not kept."""
    if text.isprintable():
        # Fast path: isprintable() is False for every Cc/Cs/Zl/Zp character and for the bidi
        # formatting characters (category Cf), so printable text has nothing to replace; and
        # ASCII has no combining marks.
        return text if text.isascii() else cut_marks(text)
    return cut_marks("".join(_placeholder(c) if is_unsafe(c, allow_newlines=allow_newlines)
                             else c for c in text))


def check_text(value: object, what: str, *, max_chars: int, multiline: bool = True) -> str:
    """Input from the user: non-empty, bounded, and free of control characters."""
    if not isinstance(value, str) or not value.strip():
        raise PeersError(f"{what} is empty")
    if len(value) > max_chars:
        raise PeersError(f"{what} is too long: {len(value)} characters, the limit is {max_chars}")
    if any("\udc80" <= char <= "\udcff" for char in value):
        # Bytes that were no UTF-8, smuggled through as lone surrogates (surrogateescape).
        raise PeersError(f"{what} is not valid UTF-8 text")
    found = first_unsafe(value, multiline=multiline)
    if found is not None:
        raise PeersError(f"{what} contains a control character ({_placeholder(found)}); "
                         "peers does not send terminal control codes")
    return value


def first_unsafe(value: str, *, multiline: bool) -> str | None:
    """The first character of `value` that `is_unsafe`, or None."""
    if value.isprintable():  # every unsafe character is unprintable (a test checks)
        return None
    pattern = _UNSAFE_PATTERNS.get(multiline)
    if pattern is None:
        pattern = _UNSAFE_PATTERNS[multiline] = re.compile(
            f"[{_UNSAFE}]" if multiline else f"[{_UNSAFE}\n]")
    match = pattern.search(value)
    return match.group() if match else None


def without_blank_edges(text: str) -> str:
    """The text without its leading and trailing blank lines, and the spaces ending its last
    line: a stray newline typed before Enter, or the one ending a file, is not part of the
    message. The indentation of its first line with text, and blank lines inside, are kept."""
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines:
        lines[-1] = lines[-1].rstrip()
    return "\n".join(lines)
