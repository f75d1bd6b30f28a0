"""Search takes whatever a user types: words, "phrases" and prefix* work, anything else is
literal text, never an FTS5 syntax error; results page beyond the first 50."""

from __future__ import annotations

import pytest

from peers_tui.core.account import Account
from peers_tui.screens.search import MORE, RESULTS, SearchScreen
from tests.conftest import User
from tests.tui_helpers import make_app, send_all, wait_for

MESSAGES = ["I can't make it", "ping @bob about it", "C++ templates again",
            "see example.com/pr/12", "hello OR goodbye", "helium balloons", "plain hello"]


@pytest.fixture
def said(alice: User, team) -> None:
    writer = Account(alice.home, alice.hub)
    for body in MESSAGES:
        writer.send("team", body)


@pytest.mark.parametrize("query, found", [
    ("can't", ["I can't make it"]),
    ("@bob", ["ping @bob about it"]),
    ("C++", ["C++ templates again"]),
    ("example.com/pr", ["see example.com/pr/12"]),
    ("hello OR", ["hello OR goodbye"]),
    ("hel*", ["plain hello", "helium balloons", "hello OR goodbye"]),
    ('"hello or"', ["hello OR goodbye"]),
    ('"make it', ["I can't make it"]),  # an unclosed quote: a phrase to the end
    ("NOT", []),
    ("AND hello", []),
])
def test_anything_typed_is_searched_for_literally(alice: User, said, query, found):
    result = alice.run("search", "team", query, "--json")
    assert result.code == 0, result.err
    assert "fts5" not in result.err and "syntax" not in result.err
    assert [row["body"] for row in result.json()] == found


def test_a_query_with_no_words_is_refused_in_plain_words(alice: User, said):
    err = alice.fails("search", "team", "++ @").err
    assert "fts5" not in err and "has none" in err


def test_results_are_paged_with_offset(alice: User, team):
    send_all(alice, "team", (f"filler {i}" for i in range(120)))
    first = alice.ok("search", "team", "filler", "--json")
    assert len(first.json()) == 50 and "--offset 50" in first.err
    second = alice.ok("search", "team", "filler", "--offset", "50", "--json").json()
    assert second[0]["body"] == "filler 69"
    last = alice.ok("search", "team", "filler", "--offset", "100", "--json")
    assert [row["body"] for row in last.json()][-1] == "filler 0" and len(last.json()) == 20
    assert "--offset" not in last.err
    assert alice.run("search", "team", "filler", "--offset", "-1").code == 2


async def test_the_search_screen_pages_and_shows_no_sqlite_errors(alice: User, team):
    send_all(alice, "team", (f"filler {i}" if i % 2 else f"C++ filler {i}" for i in range(120)))
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        screen = app.screen
        options = screen.query_one("OptionList")
        await pilot.press(*"filler")
        await wait_for(pilot, lambda: options.option_count == RESULTS + 1)
        assert options.get_option_at_index(RESULTS).id == MORE
        options.highlighted = RESULTS
        await pilot.press("enter")
        await wait_for(pilot, lambda: options.option_count == 2 * RESULTS + 1)
        options.highlighted = 2 * RESULTS
        await pilot.press("enter")
        await wait_for(pilot, lambda: options.option_count == 120)
        assert "120 results" in str(screen.query_one("#search-status").render())
        screen.query_one("Input").value = "C++ @"
        await wait_for(pilot, lambda: options.option_count == 51)
        assert "syntax" not in str(screen.query_one("#search-status").render())
