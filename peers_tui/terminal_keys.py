"""Keys terminals send that Textual would misread: Alt+1 … Alt+9, and Alt+Enter.

xterm, tmux, screen and most Linux terminals send Alt+digit as ESC followed by the digit.
Textual maps those sequences to the characters macOS's Option key would type (ESC 3 -> "£"),
for WezTerm on macOS, so weechat-style group switching never arrived. We drop that mapping
for ESC+digit only: Textual's parser then reports them as alt+digit, as it does any ESC+key.
A "£" typed directly (UTF-8, no ESC) is unaffected.

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


def enable_alt_digits() -> None:
    for sequence in ALT_DIGITS:
        SEQUENCES.pop(sequence, None)


def enable_alt_enter() -> None:
    for sequence in ALT_ENTER:
        SEQUENCES[sequence] = (ExtraKey.ALT_ENTER,)
