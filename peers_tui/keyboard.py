"""Let Alt+1 … Alt+9 reach the app as alt+1 … alt+9.

xterm, tmux, screen and most Linux terminals send Alt+digit as ESC followed by the digit.
Textual maps those sequences to the characters macOS's Option key would type (ESC 3 -> "£"),
for WezTerm on macOS, so weechat-style group switching never arrived. We drop that mapping
for ESC+digit only: Textual's parser then reports them as alt+digit, as it does any ESC+key.
A "£" typed directly (UTF-8, no ESC) is unaffected.
"""

from __future__ import annotations

from textual import _ansi_sequences

ALT_DIGITS = tuple(f"\x1b{digit}" for digit in "0123456789")


def enable_alt_digits() -> None:
    for sequence in ALT_DIGITS:
        _ansi_sequences.ANSI_SEQUENCES_KEYS.pop(sequence, None)  # type: ignore[attr-defined]
