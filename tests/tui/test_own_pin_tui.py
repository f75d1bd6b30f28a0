"""The app's composer never signs at a place of the user's chain their personal.db pins
(README rule 9; core/chain_rules.build_on): bob's newest message deleted from the file, what
he types next follows it, where before it took its place (a fork voiding both everywhere);
and the copy of it his personal.db keeps goes back first (core/own_copy.py)."""

from __future__ import annotations

from tests.cli.test_own_pin import assert_whole, deleted_keeping_a_copy, put_back, signed_places
from tests.tui_helpers import make_app, send_typed
from peers_tui.testing.forge import Forger


async def test_the_composer_follows_the_pin_of_a_deleted_head(alice, bob, team):
    db = bob.hub / f"{team}.db"
    bob.ok("send", "team", "one")
    bob.ok("send", "team", "two")
    copy = deleted_keeping_a_copy(db, "two")
    app = make_app(bob, "team")
    async with app.run_test(size=(110, 30), notifications=True) as pilot:
        await send_typed(pilot, app, ["three", "four"])
    assert sorted(signed_places(db, team, Forger(bob.home).user_id)) == [1, 2, 3, 4]
    put_back(db, copy, "two")
    assert_whole(bob, [alice], db, team, ["one", "two", "three", "four"])
