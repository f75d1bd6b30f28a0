"""Message ids: ULIDs (48-bit millisecond time, 80 random bits) in Crockford base32.

Written here rather than imported: python-ulid reads its own package metadata on import,
which cost ~11 ms of every `peers send` (a script's whole budget is 150 ms). The tests check
these agree with python-ulid's encoding.
"""

from __future__ import annotations

import os

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUES = {char: index for index, char in enumerate(CROCKFORD)}


def ulid_text(value: int) -> str:
    """A 128-bit ULID as its 26-character text."""
    return "".join(CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def ulid_value(text: str) -> int:
    """The 128-bit value of a ULID's text; ValueError for anything else."""
    if len(text) != 26:
        raise ValueError(f"not a ULID: {text!r}")
    value = 0
    for char in text.upper():
        if char not in _VALUES:
            raise ValueError(f"not a ULID: {text!r}")
        value = (value << 5) | _VALUES[char]
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
