"""Component classes styled on first use (peers_tui.component_styles): the first frame styles
only those it draws with, each as Textual would style it, and a restyle (a theme) keeps
every one that was drawn with up to date."""

from __future__ import annotations

from typing import Any

from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode

from peers_tui.core.account import Account
from peers_tui.factory import build_app
from tests.conftest import User
from tests.tui_helpers import at_first_frame_with_messages, wait_for


def _styled(screen: Any) -> dict[str, set[str]]:
    """Per widget, the component classes styled so far."""
    return {f"{type(node).__name__}#{node.id}": set(dict.keys(node._component_styles))
            for node in screen.walk_children(with_self=True) if node._get_component_classes()}


def _textual_s(node: DOMNode, name: str) -> object:
    """The rules Textual gives the component class (its virtual node, styled now)."""
    virtual = DOMNode(classes=name)
    virtual._attach(node)
    node.app.stylesheet.apply(virtual, animate=False)
    return virtual.styles.base.get_rules()


def _every_one_as_textual_styles_it(screen: Any) -> None:
    for node in screen.walk_children(with_self=True):
        for name in node._get_component_classes():
            assert node.get_component_styles(name).base.get_rules() == _textual_s(node, name), (
                node, name)


async def test_the_first_frame_styles_only_the_component_classes_it_draws_with(
        alice: User, bob: User, team: str) -> None:
    bob.ok("send", "team", "hello from bob")
    app = build_app(Account(alice.home, alice.hub), "team")
    applied: list[str] = []
    apply = app.stylesheet.apply

    def counted(self: Stylesheet, node: DOMNode, *args: Any, **kwargs: Any) -> None:
        if type(node) is DOMNode:  # a component class's virtual node
            applied.append(" ".join(node.classes))
        apply(node, *args, **kwargs)

    app.stylesheet.apply = counted.__get__(app.stylesheet)  # type: ignore[method-assign]
    first: list[tuple[dict[str, set[str]], list[str]]] = []
    at_first_frame_with_messages(app, lambda screen: first.append(
        (_styled(screen), list(applied))))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: bool(first))
        styled, components_applied = first[0]
        every = sum(len(node._get_component_classes())
                    for node in app.screen.walk_children(with_self=True))
        # Textual styles every one each time it styles its widget: 34 on this screen, ~50
        # before the first frame with the screens' restyles; 15 are drawn with.
        assert every >= 24
        # 20 before h-fullpaint; the roster's 4 drawn with and the footer's 6 keys' 2 each are
        # in the first frame since
        assert len(components_applied) <= 32, components_applied
        assert "message-log--time" in styled["MessageLog#log"]  # drawn: styled
        assert "message-log--selected" not in styled["MessageLog#log"]  # not drawn: not yet
        # its members are in the frame (h-fullpaint): what they are drawn with, no host (no relay)
        assert styled["RosterPanel#roster"] == {"roster--title", "roster--role", "roster--here",
                                                "roster--away"}
        _every_one_as_textual_styles_it(app.screen)  # and any asked for later, as Textual's


async def test_a_new_theme_restyles_those_drawn_with_and_the_rest_when_asked(
        alice: User, bob: User, team: str) -> None:
    bob.ok("send", "team", "hello from bob")
    app = build_app(Account(alice.home, alice.hub), "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: bool(app.chat.message_log.views))
        await pilot.pause()
        log = app.chat.message_log
        assert "message-log--marker" in dict.keys(log._component_styles)  # drawn with
        before = log.get_component_styles("message-log--marker").base.get_rules()
        refreshed: list[bool] = []
        refresh = log.refresh
        log.refresh = lambda *a, **k: refreshed.append(True) or refresh(*a, **k)  # type: ignore
        app.theme = "nord" if app.theme != "nord" else "gruvbox"
        await pilot.pause()
        assert refreshed  # drawn with a class that changed: drawn again
        assert "message-log--marker" in dict.keys(log._component_styles)  # styled at once
        after = log.get_component_styles("message-log--marker").base.get_rules()
        assert after != before  # the new theme's $accent
        _every_one_as_textual_styles_it(app.screen)
