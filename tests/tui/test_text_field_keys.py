"""The one-line fields (search, go to group, prompts, the reaction picker) take a burst of
keys in the order typed, as the composer does (widgets.own_bindings): Backspace and the
arrows were run only once they had bubbled up to the app, after the letters typed next."""

from __future__ import annotations

from tests.conftest import User
from tests.tmux_helpers import needs_tmux, team_in_tmux


@needs_tmux
def test_the_search_field_takes_editing_keys_in_the_order_typed(alice: User, team):
    with team_in_tmux(alice, "Message team") as tmux:
        tmux.keys("a", "C-f")
        tmux.wait_for("a", lambda s: "prefix*" in s, what="the search field")
        tmux.keys("a", "hellp", "BSpace", "o", "Left", "Left", "X", "End", "!")
        tmux.wait_for("a", lambda s: "helXlo!" in s, timeout=10, what="the field's text, in order")


@needs_tmux
def test_the_reaction_pickers_list_keys_come_before_the_enter_typed_after_them(alice: User, bob: User, team):
    """The picker's Up and Down are its screen's bindings, not the field's: Down, Down, Down,
    Enter in one burst reacted with the first emoji (the field's Enter ran before the Downs
    had bubbled up to the app), not the fourth."""
    bob.ok("send", "team", "react to me")
    with team_in_tmux(alice, "react to me") as tmux:
        tmux.keys("a", "M-s")
        tmux.wait_for("a", lambda s: "React" in s, what="the selection's keys")
        tmux.keys("a", "a")
        tmux.wait_for("a", lambda s: "or type any emoji" in s, what="the reaction picker")
        tmux.keys("a", "Down", "Down", "Down", "Enter")
        tmux.wait_for("a", lambda s: "reacted" in s, timeout=10, what="the reaction")
    [message] = [m for m in bob.ok("log", "team", "--json").json() if m.get("body") == "react to me"]
    assert message["reactions"] == {"🎉": 1}, message
