"""Message ids: ULIDs (48-bit millisecond time, 80 random bits) in Crockford base32.

Written here rather than imported: python-ulid reads its own package metadata on import,
which cost ~11 ms of every `peers send` (a script's whole budget is 150 ms). The tests check
these agree with python-ulid's encoding.
"""

from __future__ import annotations

import os

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


# Two characters at a time: every ten bits. A generator over 26 shifts cost ~6 us an id, and
# every row read is checked for its id's canonical text (core.chain_rules): the first frame's
# 37 rows, a switch's, each of a million rows verified (issue 16); this costs ~2 us.
# (A list comprehension, not a generator: built at import, before every first frame, and a
# generator is resumed once for each of its 1,024 pairs.)
_PAIRS = tuple([high + low for high in CROCKFORD for low in CROCKFORD])
# What int(..., 32) reads for each Crockford character: its value as a base-32 digit.
_AS_DIGITS = str.maketrans(CROCKFORD, "0123456789abcdefghijklmnopqrstuv")
_VALID = frozenset(CROCKFORD)


def ulid_text(value: int) -> str:
    """A 128-bit ULID as its 26-character text."""
    p = _PAIRS
    return (p[(value >> 120) & 1023] + p[(value >> 110) & 1023] + p[(value >> 100) & 1023]
            + p[(value >> 90) & 1023] + p[(value >> 80) & 1023] + p[(value >> 70) & 1023]
            + p[(value >> 60) & 1023] + p[(value >> 50) & 1023] + p[(value >> 40) & 1023]
            + p[(value >> 30) & 1023] + p[(value >> 20) & 1023] + p[(value >> 10) & 1023]
            + p[value & 1023])


def canonical_ulid_value(text: object) -> int | None:
    """The value of `text` if it is a ULID's own canonical text (ulid_text of its value: 26
    of Crockford's uppercase characters, the first 0-7), else None: what the rules ask of
    every message id, at a check rather than a decode and an encode (~1 us of a `peers
    verify` row). None says nothing more: ulid_value and ulid_text tell why."""
    if type(text) is str and len(text) == 26 and text[0] <= "7" and _VALID.issuperset(text):
        return int(text.translate(_AS_DIGITS), 32)
    return None


def ulid_value(text: str) -> int:
    """The 128-bit value of a ULID's text; ValueError for anything else."""
    if len(text) != 26:
        raise ValueError(f"not a ULID: {text!r}")
    upper = text.upper()
    # Only Crockford's characters (int() alone would take signs, "_", spaces, other digits);
    # then each is its base-32 digit, read by int() in C rather than a loop of 26 in Python.
    if not _VALID.issuperset(upper):
        raise ValueError(f"not a ULID: {text!r}")
    value = int(upper.translate(_AS_DIGITS), 32)
    if value >> 128:
        raise ValueError(f"not a ULID: {text!r}")
    return value


def new_ulid(ms: int) -> int:
    return (ms << 80) | int.from_bytes(os.urandom(10), "big")


# The most a following id steps past the previous one (see ulid_after): 40 random bits.
STEP_BYTES = 5


def ulid_after(ms: int, previous: int | None, *, same_ms_only: bool = False) -> int:
    """A new ULID for `ms` that sorts after `previous` (the one generator of monotonic ids).

    A random ULID that would not sort after `previous` is replaced by one a random step of
    1 to 2**40 above it, so ids follow the order they were made in. Not `previous + 1`: when
    the newest id is ahead of the clock (a row with a far-future id in the file, a record from
    a host whose clock runs fast), every host holding it would make the same next id, and the
    relays keep only the first of two records with one id (docs/relay.md, "Acceptance from
    the CLI, sixth pass"). With `same_ms_only`, only when both share a millisecond: a ULID for
    an earlier time keeps its place among older ids (imports keep their messages' times).
    Past the highest ULID there is none to take: the random one stays.
    """
    candidate = new_ulid(ms)
    if previous is None or candidate > previous:
        return candidate
    if same_ms_only and previous >> 80 != ms:
        return candidate
    following = previous + 1 + int.from_bytes(os.urandom(STEP_BYTES), "big")
    return following if following < 1 << 128 else candidate
