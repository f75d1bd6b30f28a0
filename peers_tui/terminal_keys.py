"""Keys terminals send that Textual would misread: Alt+1 … Alt+9, and Alt+Enter.

xterm, tmux, screen and most Linux terminals send Alt+digit as ESC followed by the digit.
Textual maps those sequences to the characters macOS's Option key would type (ESC 3 -> "£"),
for WezTerm on macOS, so weechat-style group switching never arrived. We map ESC+digit to
alt+digit instead, for ESC+digit only. (Removing the mapping is not enough: a sequence the
table does not know makes Textual's parser wait its escape delay, 100 ms, for more of it
before reporting alt+digit, so every Alt+N switch came that much later.) A "£" typed
directly (UTF-8, no ESC) is unaffected.

Alt+Enter arrives as ESC CR from tmux, screen, most terminals and over SSH, and as the 8-bit
character U+008D from an xterm left to its default (eightBitInput). Textual reports ESC CR as
plain "enter" (the Alt is dropped for keys it names), so Alt+Enter sent the message instead of
starting a new line. Both are mapped to alt+enter here.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, cast

from textual import _ansi_sequences

# Textual declares its table a Mapping; it is a dict, and changing it is the point here.
SEQUENCES = cast("dict[str, Any]", _ansi_sequences.ANSI_SEQUENCES_KEYS)

ALT_DIGITS = tuple(f"\x1b{digit}" for digit in "0123456789")
ALT_ENTER = ("\x1b\r", "\x8d")


class ExtraKey(str, Enum):
    """Key names Textual's table has no member for (it reads each entry's `.value`)."""

    ALT_ENTER = "alt+enter"
    ALT_0 = "alt+0"
    ALT_1 = "alt+1"
    ALT_2 = "alt+2"
    ALT_3 = "alt+3"
    ALT_4 = "alt+4"
    ALT_5 = "alt+5"
    ALT_6 = "alt+6"
    ALT_7 = "alt+7"
    ALT_8 = "alt+8"
    ALT_9 = "alt+9"


def enable_alt_digits() -> None:
    for sequence in ALT_DIGITS:
        SEQUENCES[sequence] = (ExtraKey(f"alt+{sequence[1]}"),)


def enable_alt_enter() -> None:
    for sequence in ALT_ENTER:
        SEQUENCES[sequence] = (ExtraKey.ALT_ENTER,)
