"""The composer's keys in a real terminal (tmux): Enter sends; Ctrl+J and Alt+Enter start a
new line, in the order typed, even right after a send."""

from __future__ import annotations

from tests.conftest import User
from tests.tmux_helpers import Tmux, needs_tmux, team_in_tmux
from tests.tui_helpers import make_app, type_text, wait_for


def bodies(user: User) -> list[str]:
    return [row["body"] for row in user.ok("log", "team", "--json").json()]


@needs_tmux
def test_ctrl_j_and_alt_enter_start_new_lines_in_order_through_tmux(alice: User, team):
    tmux = Tmux()
    try:
        tmux.open("a", alice, "open", "team", size=(100, 30))
        tmux.wait_for("a", lambda s: "Message team" in s, what="the TUI")
        # One burst, as fast as a typist's keys arrive: the send, then the new lines at once.
        tmux.keys("a", "one", "Enter", "C-j", "two", "C-j", "three", "M-Enter", "four")
        tmux.wait_for("a", lambda s: "three\n" in s and " four" in s, timeout=10,
                      what="the second message in the composer")
        screen = tmux.screen("a")
        assert "twothree" not in screen and "threefour" not in screen
        tmux.keys("a", "Enter")
        tmux.wait_for("a", lambda s: "alice │ two" in s, timeout=10, what="the second message")
        assert bodies(alice) == ["one", "two\nthree\nfour"]
    finally:
        tmux.close()


async def test_newline_keys_insert_in_the_composer_and_blank_edges_are_not_sent(alice: User,
                                                                                team):
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        composer = app.chat.composer
        for key in ("ctrl+j", "alt+enter", "shift+enter"):
            composer.clear()
            await type_text(pilot, "a")
            await pilot.press(key, "b")
            assert composer.text == "a\nb", key
        composer.clear()
        await type_text(pilot, "  indented\n\nkept  \n\n")
        await pilot.press("enter")
        await wait_for(pilot, lambda: bodies(alice) == ["  indented\n\nkept"])


def composer_line(screen: str) -> str:
    """The composer's first line: the one under the last rule across the screen."""
    lines = screen.splitlines()
    rule = max(i for i, line in enumerate(lines) if line.startswith("────"))
    return lines[rule + 1].strip()


def keys_parsed(data: str) -> list[str]:
    """The key names Textual's terminal parser makes of these bytes (as the app reads them)."""
    from textual import events
    from textual._xterm_parser import XTermParser

    from peers_tui.terminal_keys import enable_alt_enter

    enable_alt_enter()
    parser = XTermParser()
    tokens = list(parser.feed(data)) + list(parser.feed(""))
    return [token.key for token in tokens if isinstance(token, events.Key)]


def test_the_newline_keys_each_terminal_sends_are_recognised():
    from peers_tui.widgets.composer import NEWLINE_KEYS

    assert keys_parsed("\r") == ["enter"]  # sends
    for sequence, where in (("\x1b\r", "Alt+Enter: xterm (metaSendsEscape), tmux, screen, SSH"),
                            ("\x8d", "Alt+Enter: xterm's default eightBitInput"),
                            ("\n", "Ctrl+J: every terminal"),
                            ("\x1b[13;2u", "Shift+Enter: kitty keyboard protocol"),
                            ("\x1b[13;3u", "Alt+Enter: kitty keyboard protocol"),
                            ("\x1b[106;5u", "Ctrl+J: kitty keyboard protocol")):
        keys = keys_parsed(sequence)
        assert len(keys) == 1 and keys[0] in NEWLINE_KEYS, (where, keys)


@needs_tmux
def test_editing_keys_typed_in_one_burst_act_in_the_order_typed(alice: User, team):
    """Backspace, the arrows and End are the composer's bindings, which Textual runs once the
    key has bubbled up to the app, several turns of the loop later; printable keys and Enter
    act at once. Typed in one burst (a fast typist, keys arriving together over SSH), "hellp",
    Backspace, "o", Enter sent "hellpo" and left "hellp" in the composer."""
    tmux = Tmux()
    try:
        tmux.open("a", alice, "open", "team", size=(100, 30))
        tmux.wait_for("a", lambda s: "Message team" in s, what="the TUI")
        tmux.keys("a", "hellp", "BSpace", "o", "Enter",
                  "wrld", "Left", "Left", "Left", "o", "End", "!", "Enter")
        tmux.wait_for("a", lambda s: s.count("alice │") >= 2, timeout=10,
                      what="the second message")
        assert bodies(alice) == ["hello", "world!"]
        tmux.wait_for("a", lambda s: "Message team" in s, timeout=10, what="an empty composer")
    finally:
        tmux.close()


@needs_tmux
def test_a_group_switch_typed_in_a_burst_comes_after_the_letters_before_it(alice: User, team):
    """Alt+N is the app's priority key, run as it arrives, while letters wait in the
    composer's queue: "abc", Alt+1, "xyz" in one burst put "abcxyz" in the personal group's
    composer and left team's draft empty (peers_tui.key_order)."""
    tmux = Tmux()
    try:
        tmux.open("a", alice, "open", "team", size=(100, 30))
        tmux.wait_for("a", lambda s: "Message team" in s, what="the TUI")
        tmux.keys("a", "abc", "M-1", "xyz", "M-2", "12", "M-1", "34")
        tmux.wait_for("a", lambda s: composer_line(s).endswith("34"), timeout=10,
                      what="the personal group's composer")
        assert composer_line(tmux.screen("a")) == "xyz34"
        tmux.keys("a", "M-2")
        tmux.wait_for("a", lambda s: " team" in s.splitlines()[0], timeout=10, what="team")
        tmux.wait_for("a", lambda s: composer_line(s) == "abc12", timeout=5, what="team's draft")
    finally:
        tmux.close()


@needs_tmux
def test_alt_s_typed_at_the_first_frame_selects_a_message(alice: User, bob: User, team):
    """Keys typed before the composer is mounted wait for it (key_order.KeyOrder); they were
    handed on before its focus had reached the screen, and that focus, arriving after Alt+S
    had selected a message, ended the selection (SelectionScreen): lost 16 of 16 times in
    tmux when pressed as the first frame showed."""
    bob.ok("send", "team", "select me")
    with team_in_tmux(alice, "select me") as tmux:  # the first frame: Alt+S at once
        tmux.keys("a", "M-s")
        tmux.wait_for("a", lambda s: "r Reply" in s, timeout=10, what="the selection's keys")
        tmux.keys("a", "r")
        tmux.wait_for("a", lambda s: "/reply " in s, timeout=10, what="a reply begun")
