"""The empty composer of the first frame is a line drawing its cells (widgets.first_composer),
not a TextArea: TextArea's import and the composer's mount were ~40-55 M instructions of a
~1,050 M start (issue 16, h-composer). The composer is mounted in the line's place right after
the frame, focused, and every key typed before that reaches it, in order."""

from __future__ import annotations

import time
from typing import Any, cast

import pytest
from textual import events

from peers_tui.core.start_account import StartAccount
from peers_tui.factory import build_app
from peers_tui.screens import ChatScreen
from peers_tui.widgets.first_composer import FirstComposer
from tests.conftest import User
from tests.tmux_helpers import Tmux, needs_tmux
from tests.tui_helpers import at_first_frame_with_messages, wait_for

Cell = tuple[str, object, object, bool, bool, bool]


def _row_cells(screen: Any, y: int) -> list[Cell]:
    """Row `y` as a user sees it: each cell's character and background, and for a visible
    character its colour, bold, dim and reverse."""
    cells: list[Cell] = []
    for segment in screen._compositor.render_strips()[y]:
        style = segment.style
        for char in segment.text:
            background = style.bgcolor.triplet if style and style.bgcolor else None
            if char == " ":
                cells.append((char, None, background, False, False, False))
            else:
                cells.append((char, style.color.triplet if style and style.color else None,
                              background, bool(style and style.bold),
                              bool(style and style.dim), bool(style and style.reverse)))
    return cells


def _bodies(user: User) -> list[str]:
    return [row["body"] for row in user.ok("log", "team", "--json").json()]


def _app(user: User) -> Any:
    return build_app(cast("Any", StartAccount.open(user.home, user.hub)), "team")


@pytest.mark.parametrize("width, height, theme", [
    (120, 30, None), (80, 24, None), (52, 24, None), (40, 20, None), (120, 30, "textual-light"),
    (100, 30, "nord"), (100, 30, "dracula")])
async def test_the_first_frame_s_composer_line_is_the_empty_composer_s_cells(
        alice: User, bob: User, team: str, width: int, height: int, theme: str | None) -> None:
    bob.ok("send", "team", "hello from bob")
    app = _app(alice)
    if theme is not None:
        app.theme = theme
    first: list[tuple[list[list[Cell]], bool]] = []
    at_first_frame_with_messages(app, lambda screen: first.append(
        ([_row_cells(screen, y) for y in range(screen.size.height)],
         bool(screen.query("TextArea")))))
    async with app.run_test(size=(width, height)) as pilot:
        await wait_for(pilot, lambda: bool(first) and app.chat.first_composer is None
                       and bool(app.screen.query("Footer")))
        composer = app.chat.composer
        assert composer.is_mounted and app.focused is composer
        rows, text_area_mounted = first[0]
        assert not text_area_mounted, "the first frame mounted a TextArea"
        top = composer.region.y - 1  # the rule above it, and the composer's own lines
        for _ in range(20):  # the blink's timer may show the cursor again in between
            composer._pause_blink(visible=False)  # the first frame's: no cursor drawn yet
            composer.refresh()
            await pilot.pause()
            later = [_row_cells(app.screen, y) for y in range(top, composer.region.bottom)]
            if not composer._cursor_visible and rows[top:composer.region.bottom] == later:
                break
        assert rows[top:composer.region.bottom] == later
        assert "Message team" in "".join(cell[0] for cell in later[1])


async def test_keys_typed_before_the_composer_is_mounted_reach_it_in_order(
        alice: User, bob: User, team: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys come at the first frame (typed ahead) and while the composer is being mounted;
    each is held until it has the focus and then handed on, in the order typed: the priority
    keys too (F3, Ctrl+F), after the text typed before them."""
    bob.ok("send", "team", "hello from bob")
    app = _app(alice)
    keys = {"frame": ["h", "i", "ctrl+j", "t", "h", "e", "r", "e", "enter", "s"],
            "mount": ["e", "c", "o", "n", "f3", "ctrl+f"]}
    unmounted: list[bool] = []
    listed: list[bool] = []  # the group list shown or not before F3

    def post(group: str) -> None:
        composer = app.chat._composer  # nothing reached it before it is mounted
        unmounted.append(composer is None or not composer.is_mounted)
        listed.append(app.chat.buffer_list.has_class("-off"))
        for key in keys[group]:
            app.post_message(events.Key(key, key if len(key) == 1 else None))

    at_first_frame_with_messages(app, lambda screen: post("frame"))
    mount = ChatScreen.mount

    def mounting(self: ChatScreen, *widgets: Any, **where: Any) -> Any:
        if any(widget.id == "composer" for widget in widgets):
            post("mount")  # typed while the composer is being mounted
        return mount(self, *widgets, **where)

    monkeypatch.setattr(ChatScreen, "mount", mounting)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: bool(app.screen.query("#search-input")))
        assert unmounted == [True, True]
        # (the send, the Enter's Submitted on its way up to the app, may come after Ctrl+F)
        await wait_for(pilot, lambda: _bodies(alice)[1:] == ["hi\nthere"])
        await wait_for(pilot, lambda: app.chat.composer.text == "secon")
        # Ctrl+F (the search) came after "secon": had it run as it came, before the keys held
        # ahead of it, the search would have had the focus first and "secon" not gone here.
        assert app.chat.composer.text == "secon"
        assert app.chat.buffer_list.has_class("-off") != listed[0] == listed[1]  # F3 ran
        assert not app.chat.query(FirstComposer)
        assert app.typed_ahead.waiting is None  # nothing held any more


async def test_the_composer_is_reached_only_once_mounted_and_every_caller_gets_it(
        alice: User, bob: User, team: str) -> None:
    bob.ok("send", "team", "hello from bob")
    app = _app(alice)
    at_first: list[object] = []
    at_first_frame_with_messages(app, lambda screen: at_first.append(app.chat._composer))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.chat.first_composer is None)
        assert at_first == [None]
        composer = app.chat.composer
        assert composer is app.chat.query_one("#composer") and composer.is_mounted
        assert "Message team" in str(composer.placeholder)
        assert app.chat.query_one("#composer-rule").has_class("-lit")
        app.chat.start_in_composer("/topic ")  # the palette's and selection's path
        assert composer.text == "/topic "


async def test_a_draft_is_shown_by_the_composer_itself_in_the_first_frame(
        alice: User, bob: User, team: str) -> None:
    bob.ok("send", "team", "hello from bob")
    app = _app(alice)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.chat.first_composer is None)
        app.chat.composer.insert("kept for later")
    again = _app(alice)
    first: list[str] = []
    at_first_frame_with_messages(again, lambda screen: first.append(
        "".join(cell[0] for cell in _row_cells(screen, screen.size.height - 2))))
    async with again.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: bool(first))
        assert "kept for later" in first[0]
        await pilot.press("!", "enter")
        await wait_for(pilot, lambda: _bodies(alice)[-1:] == ["kept for later!"])


@needs_tmux
def test_a_line_typed_before_the_first_frame_is_sent_intact_through_tmux(
        alice: User, bob: User, team: str) -> None:
    bob.ok("send", "team", "hello from bob")
    tmux = Tmux()
    try:
        tmux.open("a", alice, "open", "team", size=(100, 30))
        # Typed once the app has the terminal (its alternate screen: raw mode; typed before,
        # the terminal's own line discipline makes Enter a Ctrl+J), before its first frame.
        deadline = time.monotonic() + 30
        while tmux.run("display-message", "-p", "-t", "a", "#{alternate_on}").strip() != "1":
            assert time.monotonic() < deadline, "the app did not start"
            time.sleep(0.002)
        tmux.type("a", "typed ahead")
        tmux.keys("a", "C-j")
        tmux.type("a", "of the frame")
        tmux.keys("a", "Enter")
        tmux.type("a", "and after")
        tmux.wait_for("a", lambda s: "alice │ typed ahead" in s and " and after" in s,
                      timeout=30, what="the message sent and the next line in the composer")
        assert _bodies(alice) == ["hello from bob", "typed ahead\nof the frame"]
    finally:
        tmux.close()
