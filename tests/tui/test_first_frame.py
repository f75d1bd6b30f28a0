"""The chat screen's first frame is one Textual writes to the terminal (issue 16).

Textual mounts what an app's `on_mount` pushes inside its start-up batch, in which nothing is
written: the chat screen pushed there was laid out and drawn into a frame that was thrown
away, and its footer composed its keys, before a frame reached the terminal (~25 ms of CPU of
a ~310 ms start). The app pushes it once that batch is over, so that the first frame drawn
with the newest messages is the one written; the footer's keys are in it
(h-fullpaint; one line drawing them since h-first16, the footer mounted after the frame).
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from peers_tui.core.account import Account
from peers_tui.factory import build_app
from peers_tui.screens import ChatScreen
from peers_tui.screens.chat_frame import FirstKeys
from peers_tui.widgets import MessageLog
from tests.conftest import User
from tests.tui_helpers import at_first_frame_with_messages, wait_for


async def test_the_first_frame_with_the_messages_is_drawn_outside_the_start_up_batch(
        alice: User, bob: User, team: str) -> None:
    bob.ok("send", "team", "hello from bob")
    app = build_app(Account(alice.home, alice.hub), "team")
    frames: list[tuple[int, bool]] = []  # (Textual's batch depth, the footer's keys shown)
    display = app._display

    def drawn(screen: Any, renderable: Any) -> None:
        log = screen.query(MessageLog)
        if renderable is not None and log and log.first().views:
            frames.append((app._batch_count,
                           bool(screen.query(FirstKeys)) or bool(screen.query(FooterKey))))
        display(screen, renderable)

    app._display = drawn  # type: ignore[method-assign]
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: bool(app.screen.query(FooterKey)))
        assert isinstance(app.screen, ChatScreen)
        assert frames, "no frame showed the log's messages"
        batch_depth, footer_keys = frames[0]
        assert batch_depth == 0, "the first frame with the messages was drawn in a batch"
        # The footer's keys are in that frame (h-fullpaint: they came a frame or more later,
        # when the screen's bindings were first published), drawn as one line since h-first16
        # (screens.chat_frame.FirstKeys; the footer itself after it, tests/tui/test_first_keys.py)
        assert footer_keys
        assert app.screen.query_one(Footer).query(FooterKey)
        assert "hello from bob" in "".join(view.body for view in app.chat.log_views())



async def test_the_chat_screen_is_styled_once_before_its_first_frame(
        alice: User, bob: User, team: str) -> None:
    """Textual restyles a screen on each ScreenResume; the first comes right after the push
    that mounted (and styled) it, and is skipped (MountedStylesScreen). A later resume that
    asks for fresh styles gets them, as in Textual."""
    from textual import events

    from peers_tui.widgets.topic_bar import TopicBar

    bob.ok("send", "team", "hello from bob")
    app = build_app(Account(alice.home, alice.hub), "team")
    styled: list[str] = []
    frames: list[int] = []
    display = app._display
    apply = app.stylesheet.apply

    def counted(node: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(node, TopicBar):
            styled.append("topic bar")
        apply(node, *args, **kwargs)

    def drawn(screen: Any, renderable: Any) -> None:
        log = screen.query(MessageLog)
        if not frames and renderable is not None and log and log.first().views:
            frames.append(len(styled))
        display(screen, renderable)

    app.stylesheet.apply = counted  # type: ignore[method-assign]
    app._display = drawn  # type: ignore[method-assign]
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: bool(frames))
        assert frames == [1], "the topic bar was styled more than once before the first frame"
        app.screen.post_message(events.ScreenResume())
        await wait_for(pilot, lambda: len(styled) > 1)


async def test_the_hidden_bars_are_mounted_after_the_first_frame_in_their_places(
        alice: User, bob: User, team: str) -> None:
    """The history warning and the count of new messages start hidden: mounted before the
    first frame, each was registered, styled and started for nothing it shows (~1.5 ms each
    of a start measured against a bare Textual app). They come right after it, where they
    always were, and show what they were told meanwhile."""
    bob.ok("send", "team", "hello from bob")
    app = build_app(Account(alice.home, alice.hub), "team")
    mounted_at_first: list[list[str]] = []
    at_first_frame_with_messages(app, lambda screen: mounted_at_first.append(
        [w.id for w in screen.query("#history-warning, #unseen")]))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: bool(app.screen.query("#unseen")))
        assert mounted_at_first == [[]]
        order = [child.id for child in app.screen.children]
        assert order[:6] == ["topic-bar", "history-warning", "chat-body", "unseen",
                             "composer-rule", "composer"]  # the count above the rule


async def test_a_hidden_bar_told_before_it_is_mounted_shows_it_once_mounted() -> None:
    """What the chat screen tells its bars before they are mounted (a roster read that
    found a forged change, new messages below) is what they show once they are."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    from peers_tui.screens.chat_bars import HiddenBars
    from peers_tui.startup import styles_dir

    class Bars(App[None]):
        CSS_PATH = [styles_dir() / "app.tcss"]

        def compose(self) -> ComposeResult:
            yield Static("log", id="log-row")

    app = Bars()
    async with app.run_test(size=(80, 10)) as pilot:
        bars = HiddenBars()
        bars.show_count(5)  # the last of each is what shows
        bars.show_warning("a forged membership change")
        bars.show_count(2)
        assert bars._banner is None and bars._unseen is None  # made when mounted
        row = app.screen.query_one("#log-row")
        await app.screen.mount(bars.banner, before=row)
        await app.screen.mount(bars.unseen, after=row)
        await pilot.pause()
        assert bars.banner.display and bars.unseen.display
        assert "Not genuine: a forged membership change" in str(bars.banner.render())
        assert "2 new messages" in str(bars.unseen.render())
