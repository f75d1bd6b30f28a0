"""The message renderer's shortcuts answer what the long way answers (issue 16: every message
of the first window is laid out before the first frame, against a bare Textual app):

- a message's text that fits on one line is not wrapped by Rich (`wrapped`): the same lines,
  span for span, as Text.wrap, at every width;
- an author's name style is made once (`author_style`), and its colour hashed with CPython's
  own SHA-256, the colour hashlib gave;
- the time beside a message (`clock`) and the day it falls on (`day_of`) are read from the
  moment's fields, not by strftime: the same clock as core.times, the same days told apart,
  and question marks for a time datetime cannot hold;
- the log's component styles are Textual's partial ones, read without the full style Textual
  computes beside each."""

from __future__ import annotations

import random

from rich.console import Console
from rich.style import Style
from rich.text import Text

from peers_tui.core.times import MAX_SHOWN_MS, MIN_SHOWN_MS, local_clock, local_day
from peers_tui.widgets.message_render import (
    author_colour, author_style, body_text, clock, day_of, wrapped,
)
from tests.conftest import User

CONSOLE = Console(width=120, color_system="truecolor")
SAMPLES = [
    "", " ", "   ", "a", "hello world", "trailing spaces   ", "  leading", "x" * 40, "x" * 41,
    "word " * 8, "word " * 9, "wide 漢字漢字漢字 cells", "漢" * 20, "漢" * 21, "emoji 🎉🎉 ok",
    "e\u0301 combining", "tab\tinside", "two\nlines", "ends with newline\n", "\n",
    "see https://example.com/a/b?c=d and more", "https://example.com/" + "p" * 30,
    "a very long line that will have to be wrapped at the width of the body column",
]


def _shape(lines: list[Text]) -> list[tuple[str, list[object], object]]:
    return [(line.plain, list(line.spans), line.style) for line in lines]


def _texts() -> list[Text]:
    rng = random.Random(16)
    alphabet = "ab  cd漢🎉-\te\n"
    texts = [body_text(sample, Style(color="white"), linked) for sample in SAMPLES
             for linked in (True, False)]
    for sample in SAMPLES:
        edited = body_text(sample, Style(), True)
        edited.append(" (edited)", style=Style(dim=True))
        texts.append(edited)
    texts += [Text("".join(rng.choice(alphabet) for _ in range(rng.randrange(60))))
              for _ in range(400)]
    return texts


def test_wrapped_answers_what_rich_wraps_at_every_width() -> None:
    for text in _texts():
        for width in (1, 2, 5, 10, 39, 40, 41, 80):
            assert _shape(wrapped(text, CONSOLE, width)) == \
                _shape(list(text.wrap(CONSOLE, width))), (text.plain, width)


def test_an_author_s_style_is_made_once_and_is_the_colour_it_was() -> None:
    assert author_style("alice-id") is author_style("alice-id")
    assert author_style("alice-id") == Style(color=author_colour("alice-id"), bold=True)


def test_the_clock_and_the_days_are_core_times_own() -> None:
    rng = random.Random(16)
    times = [0, 1, -1, 59_999, 60_000, 86_399_999, 86_400_000, 1_609_459_200_000,
             MIN_SHOWN_MS, MAX_SHOWN_MS, MIN_SHOWN_MS - 1, MAX_SHOWN_MS + 1, 2**63, -2**63]
    times += [rng.randrange(MIN_SHOWN_MS, MAX_SHOWN_MS) for _ in range(2000)]
    times += [1_700_000_000_000 + rng.randrange(-10**10, 10**10) for _ in range(2000)]
    times += [1_609_459_200_000 + hour * 1_800_000 for hour in range(200)]  # days in a row
    for ms in times:
        assert clock(ms) == local_clock(ms), ms
    for earlier, later in zip(times, times[1:]):
        assert (day_of(earlier) == day_of(later)) == (local_day(earlier) == local_day(later))
    assert day_of(2**63) == local_day(2**63)  # question marks, as core.times shows them


def test_an_author_keeps_the_colour_hashlib_gave_them() -> None:
    import hashlib

    from peers_tui.widgets.message_render import AUTHOR_COLOURS
    rng = random.Random(16)
    for user_id in ["", "alice", *("".join(rng.choice("abcdefghijklmnopqrstuvwxyz234567")
                                            for _ in range(52)) for _ in range(200))]:
        expected = AUTHOR_COLOURS[hashlib.sha256(user_id.encode()).digest()[0]
                                  % len(AUTHOR_COLOURS)]
        assert author_colour(user_id) == expected


async def test_the_log_s_component_styles_are_textual_s_partial_ones(alice: User, bob: User,
                                                                    team: str) -> None:
    """The log reads its component classes' partial styles without the full style Textual
    computes beside each (an ancestor walk): the same styles, in every theme it shows, but
    for an "auto" colour (`$text-muted`), which the partial style leaves as a white
    placeholder: that one is the full style's colour, resolved against the log's background
    (h-newuser: times and events were white in every theme)."""
    from peers_tui.widgets import MessageLog
    from tests.tui_helpers import make_app, wait_for

    bob.ok("send", "team", "hello")
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 40)) as pilot:
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: bool(log.views))
        for theme in ("textual-dark", "textual-light", "nord"):
            app.theme = theme
            await pilot.pause()
            for name in sorted(MessageLog.COMPONENT_CLASSES):
                log._rich_style_cache.clear()
                expected = log.get_component_rich_style(name, partial=True)
                if log.get_component_styles(name).auto_color:
                    expected += Style(color=log.get_component_rich_style(name).color)
                assert log._partial_style(name) == expected, (theme, name)
