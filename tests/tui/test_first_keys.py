"""The footer's keys in the first frame are one line (screens.chat_frame.FirstKeys), not
Textual's Footer with a FooterKey widget a key (issue 16, h-first16: those six widgets were
~47 M instructions of a ~1,144 M start, the bare Textual app's whole start ~919 M); the
footer itself is mounted after that frame and takes the line's place, drawing the same cells.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from peers_tui.core.start_account import StartAccount
from peers_tui.factory import build_app
from tests.conftest import User
from tests.tui_helpers import at_first_frame_with_messages, wait_for

Cell = tuple[str, object, object, bool, bool]


def _bottom_cells(screen: Any) -> list[Cell]:
    """The bottom line as a user sees it: each cell's character and background, and for a
    visible character its colour, bold and dim (a blank's colour shows nothing)."""
    strip = screen._compositor.render_strips()[-1]
    cells: list[Cell] = []
    for segment in strip:
        style = segment.style
        for char in segment.text:
            background = style.bgcolor.triplet if style and style.bgcolor else None
            if char == " ":
                cells.append((char, None, background, False, False))
            else:
                cells.append((char, style.color.triplet if style and style.color else None,
                              background, bool(style and style.bold),
                              bool(style and style.dim)))
    return cells


def _text(cells: list[Cell]) -> str:
    return "".join(cell[0] for cell in cells)


async def _first_and_footer(user: User, width: int, theme: str | None = None
                            ) -> tuple[list[Cell], bool, list[Cell]]:
    """The bottom line of the first frame with messages (and whether a FooterKey was mounted
    then), and the bottom line once the footer is in place."""
    app = build_app(cast("Any", StartAccount.open(user.home, user.hub)), "team")
    if theme is not None:
        app.theme = theme
    first: list[tuple[list[Cell], bool]] = []
    at_first_frame_with_messages(app, lambda screen: first.append(
        (_bottom_cells(screen), bool(screen.query(FooterKey)))))
    async with app.run_test(size=(width, 30)) as pilot:
        await wait_for(pilot, lambda: bool(first))
        await wait_for(pilot, lambda: not app.screen.query("FirstKeys")
                       and bool(app.screen.query(FooterKey)))
        await pilot.pause()
        return first[0][0], first[0][1], _bottom_cells(app.screen)


async def test_the_first_frame_draws_the_footer_keys_without_mounting_the_footer(
        alice: User, bob: User, team: str) -> None:
    bob.ok("send", "team", "hello from bob")
    first, footer_keys_mounted, _ = await _first_and_footer(alice, 120)
    assert "^p palette" in _text(first) and "^f Search" in _text(first), _text(first)
    assert not footer_keys_mounted, "the first frame mounted Textual's FooterKey widgets"


@pytest.mark.parametrize(("width", "theme"), [(120, None), (80, None), (52, None), (40, None),
                                              (120, "textual-light"), (100, "nord")])
async def test_the_first_frame_s_keys_are_the_footer_s_cells(
        alice: User, bob: User, team: str, width: int, theme: str | None) -> None:
    bob.ok("send", "team", "hello from bob")
    first, _, footer = await _first_and_footer(alice, width, theme)
    assert _text(first) == _text(footer)
    assert first == footer


async def test_the_footer_takes_the_line_s_place(alice: User, bob: User, team: str) -> None:
    """Once mounted, the footer is Textual's own (hover, clicks, recomposing): one footer, one
    bottom line, the log's height unchanged."""
    bob.ok("send", "team", "hello from bob")
    app = build_app(cast("Any", StartAccount.open(alice.home, alice.hub)), "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: bool(app.screen.query(FooterKey)))
        await pilot.pause()
        assert not app.screen.query("FirstKeys")
        footer = app.screen.query_one(Footer)
        assert footer.display and footer.region.y == 29 and footer.region.height == 1


async def test_the_footer_is_composed_again_only_when_its_keys_change(
        alice: User, bob: User, team: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual recomposed the footer (a widget a key, mounted again) at every publish of the
    screen's bindings: 9 composes at a start and 6 at each Alt+S, nearly all of the same
    keys. Now once at the start, and again only when the keys drawn change."""
    from peers_tui.screens.chat_frame import KeysFooter
    from tests.tui_helpers import make_app

    bob.ok("send", "team", "hello")
    composed: list[int] = []
    compose = KeysFooter.compose
    monkeypatch.setattr(KeysFooter, "compose", lambda self: (composed.append(1), compose(self))[1])
    app = make_app(alice, "team")

    def keys() -> str:
        return " ".join(str(key.description) for key in app.chat.query(FooterKey) if key.display)

    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "Search" in keys())
        await pilot.pause(0.5)
        assert len(composed) == 1
        await pilot.press("alt+s")
        await wait_for(pilot, lambda: "Reply" in keys())
        await pilot.press("escape")
        await wait_for(pilot, lambda: "Reply" not in keys() and "Search" in keys())
