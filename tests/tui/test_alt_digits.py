"""Alt+1 … Alt+9 reach the app as soon as the terminal sends them (ESC + digit)."""

from __future__ import annotations


def keys_parsed_at_once(data: str) -> list[str]:
    """The key names Textual's terminal parser reports for these bytes before any more
    arrive: without the end-of-input flush that a later read or the escape delay brings."""
    from textual import events
    from textual._xterm_parser import XTermParser

    from peers_tui.terminal_keys import enable_alt_digits

    enable_alt_digits()
    parser = XTermParser()
    return [token.key for token in parser.feed(data) if isinstance(token, events.Key)]


def test_alt_digits_are_reported_without_waiting_for_the_escape_delay():
    # An unknown ESC sequence is held back until Textual's escape delay (100 ms) passes, so
    # each Alt+N group switch arrived 100 ms late.
    for digit in "0123456789":
        assert keys_parsed_at_once(f"\x1b{digit}") == [f"alt+{digit}"], digit


def test_a_pound_sign_typed_directly_is_still_a_pound_sign():
    assert keys_parsed_at_once("£") == ["pound_sign"]
