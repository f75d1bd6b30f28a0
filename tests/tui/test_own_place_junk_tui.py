"""The app's composer writes through junk at the user's own next place (docs/relay.md, "Junk
at your own next place"): before, every message typed in the app was "Not sent" for good
("a record you did not sign holds your next place in your chain ...")."""

from __future__ import annotations

from tests.cli.test_own_place_junk import rows_at, write_junk
from tests.tui_helpers import make_app, send_typed
from peers_tui.testing.forge import Forger


async def test_the_composer_sends_through_junk_at_the_next_places(alice, bob, team):
    write_junk(bob.hub / f"{team}.db", team, bob, alice, [1, 2])
    app = make_app(bob, "team")
    async with app.run_test(size=(110, 30), notifications=True) as pilot:
        await send_typed(pilot, app, ["typed one", "typed two"])
        assert app.chat.composer.text == ""
    kept, aside = rows_at(bob.hub / f"{team}.db", Forger(bob.home).user_id)
    assert kept == [(1, "typed one"), (2, "typed two")] and aside == [1, 2]
