"""Message ids read and written without a Python step per character (issue 16).

Every row read is checked for its id's canonical text (core.chain_rules: ulid_value, then
ulid_text): the first frame's rows, a switch's, each row of a million verified. The two are
checked here against the plain per-character definitions, for values and for any text,
and for how many Python lines they run."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

from hypothesis import given, strategies as st

from peers_tui.core.ids import CROCKFORD, ulid_text, ulid_value

VALUES = {char: index for index, char in enumerate(CROCKFORD)}


def plain_text(value: int) -> str:
    return "".join(CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def plain_value(text: str) -> int | None:
    if len(text) != 26:
        return None
    value = 0
    for char in text.upper():
        if char not in VALUES:
            return None
        value = (value << 5) | VALUES[char]
    return None if value >> 128 else value


def value_or_none(text: str) -> int | None:
    try:
        return ulid_value(text)
    except ValueError:
        return None


# Crockford's characters, their lower case, the letters it leaves out, what int() would also
# take (signs, "_", spaces, other scripts' digits), and characters whose upper case is longer.
TRICKY = CROCKFORD + CROCKFORD.lower() + "ILOUilou_+- \t٣３ßŉ"


@given(st.integers(-(2**131), 2**131))
def test_the_text_of_any_value_is_the_plain_one(value: int) -> None:
    assert ulid_text(value) == plain_text(value)


@given(st.one_of(st.text(TRICKY, min_size=24, max_size=28), st.text(min_size=26, max_size=26),
                 st.integers(0, 2**130).map(plain_text)))
def test_the_value_of_any_text_is_the_plain_one(text: str) -> None:
    assert value_or_none(text) == plain_value(text)


def test_edges() -> None:
    for value in (0, 1, 31, 32, 2**80 - 1, 2**125, 2**127, 2**128 - 1):
        assert ulid_value(ulid_text(value)) == value
        assert ulid_value(ulid_text(value).lower()) == value
    assert value_or_none("8" + "0" * 25) is None  # 2**128: more than 128 bits
    assert value_or_none("0" * 25 + "ß") == plain_value("0" * 25 + "ß")


def events_run(call: Callable[[], object], kind: str) -> int:
    """How many trace events of `kind` ("call": a function or a generator's step; "line")
    `call()` makes, its own call included."""
    lines = [0]

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        if event == kind:
            lines[0] += 1
        return trace

    sys.settrace(trace)
    try:
        call()
    finally:
        sys.settrace(None)
    return lines[0]


def test_neither_runs_a_python_step_per_character() -> None:
    value = 0x0123456789ABCDEF0123456789ABCDEF
    text = ulid_text(value)
    assert events_run(lambda: ulid_text(value), "call") == 2  # the lambda and ulid_text
    assert events_run(lambda: ulid_value(text), "line") <= 10  # (a loop over 26: 84)


def test_a_plain_name_is_shown_without_a_python_step_per_character() -> None:
    """shown_name runs for every author label of every row drawn: a name with nothing to
    replace is checked in C (str.isprintable, frozenset.isdisjoint), not one character at a
    time; one with a hidden character is still replaced."""
    from peers_tui.core.names import shown_name

    name = "a-long-handle-of-thirty-chars"
    assert shown_name(name) == name
    assert events_run(lambda: shown_name(name), "call") == 2  # the lambda and shown_name
    assert shown_name("bo\u034fb") != "bo\u034fb" and "\u034f" not in shown_name("bo\u034fb")
