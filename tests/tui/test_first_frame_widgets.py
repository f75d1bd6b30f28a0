"""What the chat screen's first frame is built of costs little, and looks and works the same
(issue 16: a start is measured against a bare Textual app painting one line).

- Every widget is styled once before the first frame: none while it is not yet in the DOM,
  the default screen not again on its first resume, the composer not again when it takes the
  focus (screens.mounted_styles, screens.chat_frame).
- The composer has the focus in that first frame (Textual's AUTO_FOCUS gave it to the log,
  and the composer took it only a frame later).
- The screen under the chat screen holds no widgets, and a notification made before the chat
  screen is up still shows on it.
- The covered screen and body row are drawn blank and the side panels' alike lines once
  (screens.chat_frame, widgets.alike_lines): the frame is cell for cell what Textual draws
  without those shortcuts, in the first frame and once the roster and the counts are in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets._toast import Toast

from peers_tui.core.account import Account
from peers_tui.factory import build_app
from peers_tui.messages import OpenGroup
from peers_tui.screens import ChatScreen
from peers_tui.screens.chat_frame import ChatBody
from peers_tui.widgets import Composer, RosterPanel
from peers_tui.widgets.buffer_list import BufferList
from peers_tui.widgets.first_composer import FirstComposer
from tests.conftest import User
from tests.tui_helpers import at_first_frame_with_messages, wait_for


@contextmanager
def drawn_as_textual_does() -> Iterator[None]:
    """Every widget drawn line by line through its style cache, nothing blank or repeated."""
    saved = (ChatScreen.BLANK, ChatBody.BLANK, RosterPanel.render_lines,
             BufferList.render_lines)
    ChatScreen.BLANK = ChatBody.BLANK = False
    RosterPanel.render_lines = Widget.render_lines  # type: ignore[method-assign]
    BufferList.render_lines = ScrollView.render_lines  # type: ignore[method-assign]
    try:
        yield
    finally:
        (ChatScreen.BLANK, ChatBody.BLANK, RosterPanel.render_lines,
         BufferList.render_lines) = saved  # type: ignore[method-assign]


def frame_and_textual_s(screen: Any) -> tuple[list[Strip], list[Strip]]:
    """The screen as drawn, and as Textual draws it without the shortcuts."""
    compositor = screen._compositor
    drawn = compositor.render_strips()
    with drawn_as_textual_does():
        for widget in screen.walk_children(with_self=True):
            widget._styles_cache.clear()
        reference = compositor.render_strips()
    for widget in screen.walk_children(with_self=True):
        widget._styles_cache.clear()
    return drawn, reference


async def test_the_first_frame_and_a_later_one_are_drawn_cell_for_cell_as_textual_draws(
        alice: User, bob: User, team: str) -> None:
    bob.ok("send", "team", "hello from bob")
    app = build_app(Account(alice.home, alice.hub), "team")
    first: list[tuple[tuple[list[Strip], list[Strip]], bool]] = []
    at_first_frame_with_messages(app, lambda screen: first.append(
        (frame_and_textual_s(screen), app.chat.buffer_list.counted)))
    async with app.run_test(size=(120, 30)) as pilot:  # wide: the buffer list shows
        await wait_for(pilot, lambda: bool(first))
        (drawn, reference), counted = first[0]
        assert drawn == reference
        assert any("hello from bob" in strip.text for strip in drawn)
        assert not counted  # the buffer list's counts came after the first frame...
        await wait_for(pilot, lambda: app.chat.buffer_list.counted
                       and "bob" in app.chat.query_one(RosterPanel).handles)
        await pilot.pause()
        drawn, reference = frame_and_textual_s(app.screen)  # ...and are drawn as before
        assert drawn == reference
        assert any("Members (2)" in strip.text for strip in drawn)


async def test_the_composer_has_the_focus_in_the_first_frame(
        alice: User, bob: User, team: str) -> None:
    bob.ok("send", "team", "hello from bob")
    app = build_app(Account(alice.home, alice.hub), "team")
    focused: list[object] = []
    at_first_frame_with_messages(app, lambda screen: focused.append(
        (screen.focused, screen.query_one(FirstComposer).has_pseudo_class("focus"))))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: bool(focused))
        # The line drawing the empty composer (widgets.first_composer), then the composer
        assert len(focused) == 1 and isinstance(focused[0][0], FirstComposer) and focused[0][1]
        assert app.focused is app.chat.composer
        await pilot.press(*"typed")  # the keys go where the first frame says
        assert app.chat.composer.text == "typed"


async def test_the_composer_is_not_loaded_again_without_a_draft_and_keeps_one(
        alice: User, bob: User, team: str, monkeypatch: Any) -> None:
    """No draft: the new, empty composer is left as it is (loading "" into it and moving the
    cursor to its end made a new document, wrapped it and scrolled: ~1 ms before the first
    frame). A draft is loaded as before, cursor at its end, and undo cannot bring back what
    was typed in another group."""
    bob.ok("send", "team", "hello from bob")
    loaded: list[str] = []
    load_text = Composer.load_text

    def counted(self: Composer, text: str) -> None:
        loaded.append(text)
        load_text(self, text)

    monkeypatch.setattr(Composer, "load_text", counted)
    account = Account(alice.home, alice.hub)
    other = account.create_group("other").id
    account.save_draft(other, "half a thought")
    app = build_app(account, "team")
    at_first_frame: list[list[str]] = []
    at_first_frame_with_messages(app, lambda screen: at_first_frame.append(list(loaded)))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: bool(at_first_frame))
        assert at_first_frame == [[]]
        composer = app.chat.composer
        assert composer.text == "" and composer.cursor_location == (0, 0)
        await pilot.press(*"typed")
        app.post_message(OpenGroup(other))
        await wait_for(pilot, lambda: app.chat.entry.id == other)
        assert composer.text == "half a thought"
        assert composer.cursor_location == (0, len("half a thought"))
        composer.clear()
        app.post_message(OpenGroup(team))
        await wait_for(pilot, lambda: app.chat.entry.id == team)
        assert composer.text == "typed"  # team's draft, kept when we left
        composer.clear()
        app.post_message(OpenGroup(other))
        await wait_for(pilot, lambda: app.chat.entry.id == other)
        composer.action_undo()
        assert composer.text == ""  # nothing of another group's to undo back


async def test_every_widget_is_styled_once_before_the_first_frame(
        alice: User, bob: User, team: str) -> None:
    bob.ok("send", "team", "hello from bob")
    app = build_app(Account(alice.home, alice.hub), "team")
    styled: list[tuple[str, bool]] = []
    apply = app.stylesheet.apply
    frames: list[list[tuple[str, bool]]] = []

    def counted(self: Stylesheet, node: DOMNode, *args: Any, **kwargs: Any) -> None:
        if type(node) is not DOMNode:  # not a component class's node (styled with its widget)
            # a node without an id by its object: the footer's keys are several FooterKey#None
            styled.append((f"{type(node).__name__}#{node.id or hex(id(node))}",
                           node.is_attached))
        apply(node, *args, **kwargs)

    app.stylesheet.apply = counted.__get__(app.stylesheet)  # type: ignore[method-assign]
    at_first_frame_with_messages(app, lambda screen: frames.append(list(styled)))
    async with app.run_test(size=(120, 30), tooltips=True, notifications=True) as pilot:
        await wait_for(pilot, lambda: bool(frames))
        names = [name for name, _ in frames[0]]
        assert "FirstComposer#first-composer" in names and "MessageLog#log" in names
        twice = sorted({name for name in names if names.count(name) > 1})
        assert twice == [], f"styled more than once before the first frame: {twice}"
        assert all(attached for _, attached in frames[0]), "styled before it was in the DOM"


async def test_a_notification_made_before_the_chat_screen_shows_on_it(alice: User, team: str):
    """The default screen under the chat screen has no toast rack (nor anything else); what
    the app tells while starting (here: the last group is damaged) still shows."""
    account = Account(alice.home, alice.hub)
    account.set_last_group(team)
    (alice.hub / f"{team}.db").write_bytes(b"not a database" * 100)
    app = build_app(account, config_file=alice.home / "c.toml")
    async with app.run_test(size=(100, 30), notifications=True, tooltips=True) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen)
                       and any("damaged" in str(toast.render()) for toast in
                               app.screen.query(Toast)))
        assert app.chat.entry.name == "personal"
        assert list(app.screen_stack[0].children) == []
