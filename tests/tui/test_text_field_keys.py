"""The one-line fields (search, go to group, prompts, the reaction picker) take a burst of
keys in the order typed, as the composer does (widgets.own_bindings): Backspace and the
arrows were run only once they had bubbled up to the app, after the letters typed next."""

from __future__ import annotations

from tests.conftest import User
from tests.tmux_helpers import Tmux, needs_tmux


@needs_tmux
def test_the_search_field_takes_editing_keys_in_the_order_typed(alice: User, team):
    tmux = Tmux()
    try:
        tmux.open("a", alice, "open", "team", size=(100, 30))
        tmux.wait_for("a", lambda s: "Message team" in s, what="the TUI")
        tmux.keys("a", "C-f")
        tmux.wait_for("a", lambda s: "prefix*" in s, what="the search field")
        tmux.keys("a", "hellp", "BSpace", "o", "Left", "Left", "X", "End", "!")
        tmux.wait_for("a", lambda s: "helXlo!" in s, timeout=10, what="the field's text, in order")
    finally:
        tmux.close()
