"""A word typed after /reply or /edit is read as a message id only if an honest id could
begin so by now (twentieth attack pass, h-attack20).

An author chooses their message's id (it is signed, and may stand in any future: no
trusted clock says it lies), and `/reply ID TEXT` takes a first word of 6+ id characters
as an id. bob's modified client posts a message whose id begins "100000": alice's `/reply
100000 dollars is too much` became a reply to bob's message saying "dollars is too much",
and `/edit 250000 was the figure` was refused as "not yours". A number sorts after every id
up to now (they begin "01"), so it stays text; selection mode names a message from the
future by its whole id, which still works."""

from __future__ import annotations

from peers_tui.core.account import Account
from peers_tui.core.ids import ulid_text
from peers_tui.testing.forge import Forger
from tests.conftest import User
from tests.tui.test_selection import start_selecting
from tests.tui_helpers import log_bodies, make_app, submit, wait_for


def future_id(start: str) -> str:
    return start + ulid_text(7)[len(start):]  # "100000" and zeros: the year 3100 or so


async def test_numbers_after_reply_and_edit_stay_text(alice: User, bob: User, team, hub):
    bob.ok("send", "team", "how much was it?")
    alice.ok("send", "team", "let me check")
    forger = Forger(bob.home)
    lure = forger.message(hub / f"{team}.db", team, "100000 thanks!", id=future_id("100000"))
    forger.message(hub / f"{team}.db", team, "or 250000?", id=future_id("250000"))
    assert [m["verified"] for m in alice.ok("log", "team", "--json").json()] == [True] * 4
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: len(log_bodies(app)) == 4)
        await submit(pilot, "/edit 250000 was the figure",
                     lambda: "250000 was the figure" in log_bodies(app))
        await submit(pilot, "/reply 100000 dollars is too much", lambda: len(log_bodies(app)) == 5)
        sent = [m for m in alice.ok("log", "team", "--json").json()
                if m["author"] == "alice" and not m["edited"]]
        assert [m["body"] for m in sent] == ["100000 dollars is too much"], sent
        # selection mode names the message from the future whole, and that still works
        await start_selecting(pilot, 5)
        await pilot.press("up", "r")  # the newest but one: bob's "100000 thanks!"
        await wait_for(pilot, lambda: app.chat.composer.text == f"/reply {lure} ")
        await submit(pilot, "what is this?", lambda: len(log_bodies(app)) == 6)
    replies = {m["body"]: m["reply_to"] for m in alice.ok("log", "team", "--json").json()}
    assert replies["what is this?"] == lure
    assert Account(alice.home, hub).user_id
